"""An order workflow: reserve stock, wait for the cool-off period, then confirm."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step

logger = Logger(service="orders")


class Order(BaseModel):
    order_id: str
    quantity: int


@durable_step
def reserve(step: StepContext, order_id: str, quantity: int) -> dict:
    step.logger.info("reserving stock", extra={"order_id": order_id})
    return {"order_id": order_id, "reserved": quantity}


@durable_step
def confirm(step: StepContext, order_id: str) -> dict:
    return {"order_id": order_id, "status": "CONFIRMED"}


@logger.inject_lambda_context
@durable_handler(model=Order, logger=logger)
def handler(event: Order, context: DurableContext) -> dict:
    logger.info("order received")  # written once per execution, not once per invocation
    reservation = context.step(reserve(event.order_id, event.quantity))
    context.wait(Duration.from_minutes(30), name="cool-off")  # no compute while waiting
    confirmation = context.step(confirm(event.order_id))
    return {**reservation, **confirmation}
