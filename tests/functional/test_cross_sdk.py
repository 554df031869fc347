"""Executions move between AWS's official SDK and this engine mid-flight, in both directions.

The recordings under ``data/`` were made by ``data/record_official.py`` with the official SDK; this
test does not import it, so it runs without it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from powertools_durable import DurableContext, Duration, ExtendedTypeSerDes
from powertools_durable.local.memory import InMemoryDurableService
from tests.functional.conftest import bind, invoke, op_id, step_update

DATA = Path(__file__).parent / "data"


def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


@pytest.fixture(scope="module")
def official_first() -> dict[str, Any]:
    return _load("official_first_invocation.json")


@pytest.fixture(scope="module")
def ours_first() -> dict[str, Any]:
    return _load("ours_first_invocation.json")


def order_workflow(service: InMemoryDurableService, body_runs: list[str]):
    """The ORDER workflow of ``record_official.py``, written against this package."""

    @bind(service)
    def handler(event, context: DurableContext):
        def reserve(_):
            body_runs.append("reserve")
            return {
                "order_id": event["order_id"],
                "lines": [{"sku": "a", "qty": event["qty"]}],
                "price": Decimal("19.90"),
                "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
                "pair": (1, "x"),
            }

        def label(_):
            body_runs.append("label")
            return f"label-{event['order_id']}"

        booking = context.step(reserve, name="reserve")
        tag = context.step(label, name="label")
        context.wait(Duration.from_seconds(5), name="cool-off")
        confirmed = context.step(
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


def _service_with(recording: dict[str, Any]) -> InMemoryDurableService:
    service = InMemoryDurableService(durable_execution_arn=recording["durable_execution_arn"])
    service.operations = {op["Id"]: op for op in recording["operations"]}
    return service


def test_official_recording_uses_the_same_ids_and_wire_format(official_first):
    # GIVEN the official SDK's first invocation / THEN its ids are ours and its payloads are the tagged format
    ids = [update["Id"] for update in official_first["updates"]]
    assert ids == [op_id(1), op_id(1), op_id(2), op_id(2), op_id(3)]
    reserve_payload = official_first["updates"][1]["Payload"]
    assert reserve_payload.startswith('{"t":"m","v":{"order_id":{"t":"s","v":"o-7"}')
    assert official_first["updates"][3]["Payload"] == '"label-o-7"'
    # AND our default serdes reads the official payload back into the original Python types
    booking = ExtendedTypeSerDes().deserialize(reserve_payload)
    assert booking == {
        "order_id": "o-7",
        "lines": [{"sku": "a", "qty": 3}],
        "price": Decimal("19.90"),
        "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        "pair": (1, "x"),
    }


def test_our_engine_resumes_an_execution_the_official_sdk_started(official_first):
    # GIVEN the state the official SDK left after its first invocation, with the wait's timer fired
    service = _service_with(official_first)
    assert service.advance()
    runs: list[str] = []
    handler = order_workflow(service, runs)

    # WHEN our engine runs the next invocation
    output = invoke(handler, service)

    # THEN it replayed the official steps without running them and finished with the same values
    assert runs == ["confirm"]
    assert output["Status"] == "SUCCEEDED"
    assert json.loads(output["Result"]) == official_first["expected_result"]
    assert service.updates_of(1) == [
        step_update(4, "START", "confirm"),
        step_update(4, "SUCCEED", "confirm", Payload='"o-7:label-o-7"'),
    ]


def test_our_first_invocation_checkpoints_what_the_official_sdk_does(official_first):
    # GIVEN the same workflow started on our engine
    service = InMemoryDurableService(durable_execution_arn=official_first["durable_execution_arn"])
    runs: list[str] = []
    service.start(official_first["input"])

    # WHEN its first invocation runs
    output = invoke(order_workflow(service, runs), service)

    # THEN it sends exactly the official SDK's updates, batched the same way
    assert output == official_first["first_invocation_output"] == {"Status": "PENDING"}
    assert runs == official_first["body_runs"]
    assert service.updates_of(1) == official_first["updates"]
    assert [len(call.updates) for call in service.calls] == official_first["updates_per_checkpoint_call"]


def test_official_sdk_resumed_our_execution(ours_first):
    # GIVEN the verdict recorded when the official SDK resumed our engine's first invocation
    verdict = ours_first["official_verdict"]

    # THEN it finished the execution without re-running our steps, with the expected result
    assert verdict["ok"] is True
    assert verdict["official_body_runs"] == ["confirm"]
    assert verdict["official_outputs"][-1]["Status"] == "SUCCEEDED"
    assert verdict["official_result"]["confirmed"] == "o-7:label-o-7"


def test_recorded_first_invocation_is_still_what_our_engine_writes(ours_first):
    # GIVEN the operations our engine wrote when the verdict was recorded
    service = InMemoryDurableService(durable_execution_arn=ours_first["durable_execution_arn"])
    service.start(ours_first["input"])

    # WHEN today's engine runs the same first invocation
    invoke(order_workflow(service, []), service)

    # THEN it writes the same updates, so the recorded verdict still applies
    assert service.updates_of(1) == ours_first["updates"]
