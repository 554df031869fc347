"""Errors: a step that failed for good raises StepError, on its first run and on every replay alike."""

from __future__ import annotations

from powertools_durable import DurableContext, RetryPresets, StepConfig, StepError, durable_execution

no_retry = StepConfig(retry_strategy=RetryPresets.none())


def check_stock(_: object) -> int:
    raise LookupError("sku 42 is unknown")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    try:
        context.step(check_stock, name="check-stock", config=no_retry)
    except StepError as error:  # error_type and message of the original exception are kept
        return {"available": False, "reason": error.message, "type": error.error_type}
    return {"available": True}
