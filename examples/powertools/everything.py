"""Every Powertools utility on one durable handler, stacked in the usual order."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import BaseModel

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step

logger = Logger(service="orders")
tracer = Tracer(service="orders")
metrics = Metrics(namespace="Orders", service="orders")


class Order(BaseModel):
    order_id: str


@durable_step
def reserve(step: StepContext, order_id: str) -> dict:
    step.logger.info("reserving")
    return {"order_id": order_id, "reserved": True}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@durable_handler(model=Order, logger=logger, tracer=tracer, metrics=metrics)
def handler(event: Order, context: DurableContext) -> dict:
    logger.info("start")
    metrics.add_metric(name="OrdersStarted", unit=MetricUnit.Count, value=1)
    booking = context.step(reserve(event.order_id))
    context.wait(Duration.from_minutes(5))
    return context.step(lambda _: {"done": booking["order_id"]}, name="confirm")
