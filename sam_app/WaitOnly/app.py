"""WaitOnly: a single wait and nothing else; the execution suspends once and resumes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, durable_handler

logger = Logger()


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any] | None, context: DurableContext) -> dict[str, int]:
    seconds = int((event or {}).get("seconds", 2))
    context.wait(Duration.from_seconds(seconds), name="wait")
    return {"waited_seconds": seconds}
