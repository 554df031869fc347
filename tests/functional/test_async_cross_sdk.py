"""Async code and AWS's official SDK move executions between them, as sync code does (recordings in data/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from powertools_durable import Duration
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService
from tests.functional.conftest import bind, invoke, step_update
from tests.functional.test_cross_sdk import _load, _service_with

OFFICIAL_FIRST = _load("official_first_invocation.json")


def async_order_workflow(service: InMemoryDurableService, body_runs: list[str]):
    """The ORDER workflow of ``record_official.py``, written as async code with async step bodies."""

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> Any:
        async def reserve(_: Any) -> dict[str, Any]:
            body_runs.append("reserve")
            return {
                "order_id": event["order_id"],
                "lines": [{"sku": "a", "qty": event["qty"]}],
                "price": Decimal("19.90"),
                "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
                "pair": (1, "x"),
            }

        async def label(_: Any) -> str:
            body_runs.append("label")
            return f"label-{event['order_id']}"

        booking = await context.step(reserve, name="reserve")
        tag = await context.step(label, name="label")
        await context.wait(Duration.from_seconds(5), name="cool-off")
        confirmed = await context.step(
            lambda _: body_runs.append("confirm") or f"{booking['order_id']}:{tag}", name="confirm"
        )
        return {
            "confirmed": confirmed,
            "price": str(booking["price"]),
            "at": booking["at"].isoformat(),
            "pair": list(booking["pair"]),
            "qty": booking["lines"][0]["qty"],
        }

    return handler


def test_async_first_invocation_checkpoints_what_the_official_sdk_does():
    # GIVEN the ORDER workflow written as async code, started on our engine
    service = InMemoryDurableService(durable_execution_arn=OFFICIAL_FIRST["durable_execution_arn"])
    runs: list[str] = []
    service.start(OFFICIAL_FIRST["input"])

    # WHEN its first invocation runs
    output = invoke(async_order_workflow(service, runs), service)

    # THEN it sends exactly the official SDK's updates, batched the same way
    assert output == OFFICIAL_FIRST["first_invocation_output"] == {"Status": "PENDING"}
    assert runs == OFFICIAL_FIRST["body_runs"]
    assert service.updates_of(1) == OFFICIAL_FIRST["updates"]
    assert [len(call.updates) for call in service.calls] == OFFICIAL_FIRST["updates_per_checkpoint_call"]


def test_async_code_resumes_an_execution_the_official_sdk_started():
    # GIVEN the state the official SDK left after its first invocation, with the wait's timer fired
    service = _service_with(OFFICIAL_FIRST)
    assert service.advance()
    runs: list[str] = []

    # WHEN async code runs the next invocation
    output = invoke(async_order_workflow(service, runs), service)

    # THEN it replayed the official steps without running them and finished with the same values
    assert runs == ["confirm"]
    assert output["Status"] == "SUCCEEDED"
    assert json.loads(output["Result"]) == OFFICIAL_FIRST["expected_result"]
    assert service.updates_of(1) == [
        step_update(4, "START", "confirm"),
        step_update(4, "SUCCEED", "confirm", Payload='"o-7:label-o-7"'),
    ]
