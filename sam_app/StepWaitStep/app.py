"""StepWaitStep: a step, a ~2 s wait, a step; the second step runs in a later invocation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step

logger = Logger()


@durable_step
def greet(step: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_step
def shout(step: StepContext, greeting: str) -> str:
    return greeting.upper()


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any] | None, context: DurableContext) -> dict[str, str]:
    greeting = context.step(greet((event or {}).get("name", "World")))
    logger.info("greeted, pausing", greeting=greeting)
    context.wait(Duration.from_seconds(2), name="pause")
    return {"greeting": greeting, "shouted": context.step(shout(greeting))}
