"""invoke: call another Lambda function (durable or not); the caller suspends until it finishes."""

from __future__ import annotations

from powertools_durable import DurableContext, InvokeError, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    # the payload goes out as JSON, the target's result comes back decoded; no compute while it runs
    quote = context.invoke("PricingFunction", {"sku": event["sku"]}, name="price")
    try:
        context.invoke("LoyaltyFunction", {"customer": event["customer"]}, name="loyalty")
    except InvokeError as error:  # the target failed, timed out or was stopped
        return {"quote": quote, "loyalty": f"unavailable ({error.error_type})"}
    return {"quote": quote, "loyalty": "credited"}
