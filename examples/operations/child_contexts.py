"""Child contexts: group operations under one CONTEXT operation; a failed child raises ChildContextError."""

from __future__ import annotations

from powertools_durable import (
    ChildContextError,
    DurableContext,
    Duration,
    RetryPresets,
    StepConfig,
    durable_execution,
    durable_with_child_context,
)

no_retry = StepConfig(retry_strategy=RetryPresets.none())


@durable_with_child_context
def ship(child: DurableContext, order_id: str) -> dict:
    # ids of the child's operations are namespaced under the child: no clash with the parent's
    label = child.step(lambda _: f"label-{order_id}", name="print-label")
    child.wait(Duration.from_seconds(30), name="await-pickup")
    return {"order_id": order_id, "label": label}


def refund(child: DurableContext) -> str:
    def charge_back(_: object) -> str:
        raise ConnectionError("payment provider down")

    return child.step(charge_back, name="charge-back", config=no_retry)


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    shipment = context.run_in_child_context(ship(event["order_id"]))  # named "ship" after the function
    try:
        context.run_in_child_context(refund, name="refund")
    except ChildContextError as error:  # the child failed: checkpointed FAILED, raised the same on replay
        return {"shipment": shipment, "refund": f"failed: {error.message}"}
    return {"shipment": shipment, "refund": "done"}
