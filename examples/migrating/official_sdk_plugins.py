"""Our Powertools plugins on a handler that stays on AWS's official SDK."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_lambda_powertools import Logger, Tracer

from powertools_durable.powertools import powertools_plugins

logger = Logger()
tracer = Tracer()
plugins = powertools_plugins(logger=logger, tracer=tracer)  # factories: the official SDK's plugin interface


@durable_execution(plugins=plugins)
def handler(event: dict, context: DurableContext) -> dict:
    logger.info("order received", order_id=event["order_id"])  # written once per execution
    booking = context.step(lambda _: {"reserved": event["order_id"]}, name="reserve")  # its own subsegment
    context.wait(Duration.from_minutes(5))
    logger.info("order confirmed")  # keys: durable_execution_arn (and, inside a step, operation_id, attempt)
    return booking
