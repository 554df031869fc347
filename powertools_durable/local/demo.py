"""A step-wait-step workflow run to its end against the in-memory service, printed as it went."""

from __future__ import annotations

import json
from typing import Any

from powertools_durable.config import Duration
from powertools_durable.context import DurableContext, durable_step
from powertools_durable.handler import durable_execution
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.types import StepContext


@durable_step
def reserve(step: StepContext, order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "reserved": True}


def run_demo() -> int:
    service = InMemoryDurableService()

    @durable_execution(boto3_client=service)
    def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
        booking = context.step(reserve(event["order_id"]))
        context.wait(Duration.from_minutes(5), name="cool-off")
        return context.step(lambda _: {"confirmed": booking["order_id"]}, name="confirm")

    run = run_to_completion(handler, {"order_id": "o-42"}, service=service)
    for index, output in enumerate(run.outputs, start=1):
        print(f"invocation {index}: {output['Status']}")
        for update in service.updates_of(index):
            extra = update.get("Payload") or update.get("WaitOptions") or ""
            print(f"  {update['Action']:<8} {update['Type']:<5} {update.get('Name') or update['Id'][:12]} {extra}")
    print(f"execution {run.status}: {json.dumps(run.result)}")
    return 0 if run.status == "SUCCEEDED" else 1
