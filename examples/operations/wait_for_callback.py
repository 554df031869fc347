"""wait_for_callback: create a callback, hand its id over in a retried step, and wait for the answer."""

from __future__ import annotations

from powertools_durable import (
    DurableContext,
    Duration,
    RetryPresets,
    WaitForCallbackConfig,
    WaitForCallbackContext,
    durable_execution,
    durable_wait_for_callback,
)

tickets: list[dict] = []  # stands in for the external system


@durable_wait_for_callback
def open_ticket(callback_id: str, context: WaitForCallbackContext, order_id: str) -> None:
    context.logger.info("asking for a review")  # the submitter runs as a step, retried on failure
    tickets.append({"order_id": order_id, "callback_id": callback_id})


config = WaitForCallbackConfig(timeout=Duration.from_hours(4), retry_strategy=RetryPresets.transient())


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    verdict = context.wait_for_callback(open_ticket(event["order_id"]), config=config)  # named "open_ticket"
    return {"order_id": event["order_id"], "verdict": verdict}
