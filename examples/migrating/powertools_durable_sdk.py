"""The same handler on powertools-durable: only the import lines changed."""

from __future__ import annotations

from powertools_durable import DurableContext, StepContext, durable_execution, durable_step
from powertools_durable.config import Duration, StepConfig
from powertools_durable.retries import RetryStrategyConfig, create_retry_strategy


@durable_step
def reserve(step_context: StepContext, order_id: str) -> dict:
    return {"order_id": order_id, "reserved": True}


retry = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=3)))


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    booking = context.step(reserve(event["order_id"]), config=retry)
    context.wait(Duration.from_minutes(5))
    return context.step(lambda _: {"confirmed": booking["order_id"]}, name="confirm")
