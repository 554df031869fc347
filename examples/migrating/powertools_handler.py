"""Then, optionally, the Powertools middleware: replay-aware Logger, typed input."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import BaseModel

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step
from powertools_durable.config import StepConfig
from powertools_durable.retries import RetryStrategyConfig, create_retry_strategy

logger = Logger(service="orders")


class Order(BaseModel):
    order_id: str


@durable_step
def reserve(step_context: StepContext, order_id: str) -> dict:
    step_context.logger.info("reserving")
    return {"order_id": order_id, "reserved": True}


retry = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=3)))


@logger.inject_lambda_context
@durable_handler(model=Order, logger=logger)  # was: @durable_execution
def handler(event: Order, context: DurableContext) -> dict:
    booking = context.step(reserve(event.order_id), config=retry)
    context.wait(Duration.from_minutes(5))
    return context.step(lambda _: {"confirmed": booking["order_id"]}, name="confirm")
