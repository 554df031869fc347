"""The function SAM deploys (CodeUri: orders/, Handler: app.handler)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, durable_handler

logger = Logger()


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict, context: DurableContext) -> dict:
    logger.info("order received", extra={"order_id": event["order_id"]})
    reserved = context.step(lambda _: {"order_id": event["order_id"]}, name="reserve")
    context.wait(Duration.from_hours(2), name="cool-off")
    return context.step(lambda _: {"confirmed": reserved["order_id"]}, name="confirm")
