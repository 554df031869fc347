"""LongerWait: two 5 s waits in a row (10 s in all), so one invocation ends a wait and starts the next."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, durable_handler

logger = Logger()


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any] | None, context: DurableContext) -> dict[str, int]:
    seconds = int((event or {}).get("seconds", 5))
    context.wait(Duration.from_seconds(seconds), name="first-wait")
    logger.info("first wait over")
    context.wait(Duration.from_seconds(seconds), name="second-wait")
    return {"waited_seconds": 2 * seconds}
