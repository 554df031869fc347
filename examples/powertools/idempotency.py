"""Idempotency: one execution per order, however many times the order is submitted."""

from __future__ import annotations

import os

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent

from powertools_durable import DurableContext, Duration, durable_handler

persistence_layer = DynamoDBPersistenceLayer(table_name=os.getenv("IDEMPOTENCY_TABLE", "idempotency"))
config = IdempotencyConfig(event_key_jmespath="order_id")


@durable_handler  # outermost: @idempotent receives the DurableContext and the execution's input
@idempotent(persistence_store=persistence_layer, config=config)
def handler(event: dict, context: DurableContext) -> dict:
    payment = context.step(lambda _: {"paid": event["order_id"]}, name="pay")
    context.wait(Duration.from_minutes(1))  # the re-invocation after the wait is a replay: not blocked
    return {**payment, "shipped": True}
