"""Keep the log lines of replayed code (e.g. while debugging), for one handler or by environment."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, durable_handler

logger = Logger(service="payments-debug")


# Same as setting POWERTOOLS_DURABLE_LOG_REPLAY=true on the function; the argument wins over the variable.
@durable_handler(logger=logger, log_replay=True)
def handler(event: dict, context: DurableContext) -> str:
    logger.info("runs on every invocation")  # written each time
    context.wait(Duration.from_seconds(10))
    return "done"
