"""MultipleSteps: five chained steps, each feeding the next, all in one invocation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, StepContext, durable_handler, durable_step

logger = Logger()


@durable_step
def add(step: StepContext, value: int, amount: int) -> int:
    return value + amount


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any] | None, context: DurableContext) -> dict[str, Any]:
    value = int((event or {}).get("start", 0))
    values = []
    for amount in range(1, 6):
        value = context.step(add(value, amount), name=f"add-{amount}")
        values.append(value)
    logger.info("chain done", total=value)
    return {"values": values, "total": value}
