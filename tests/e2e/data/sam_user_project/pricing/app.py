"""Pricing, invoked by the order workflow through the ARN the template gives it."""

import os

from powertools_durable import DurableContext, durable_handler


@durable_handler
def handler(event: dict, context: DurableContext) -> dict:
    discount = float(os.environ["DISCOUNT"])
    total = context.step(lambda _: round(event["amount"] * (1 - discount), 2), name="discount")
    return {"total": total, "table": os.environ["TABLE_NAME"], "memory": context.lambda_context.memory_limit_in_mb}
