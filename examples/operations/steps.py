"""Steps: a function runs once, its result is checkpointed and replayed on later invocations."""

from __future__ import annotations

from powertools_durable import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def fetch_price(step: StepContext, sku: str) -> int:
    # step.attempt is 1 on the first run, 2 on the first retry...; step.operation_id is stable
    return 1250 if sku == "book" else 990


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    price = context.step(fetch_price(event["sku"]))  # named "fetch_price" after the function
    total = context.step(lambda _: price * event["quantity"], name="total")  # any callable, named explicitly
    return {"price": price, "total": total}
