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

from powertools_durable import DurableContext, Duration, ExtendedTypeSerDes, MapConfig
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


# -- FANOUT: a map whose iteration 1 waits between two steps, then a parallel -------------------------


@pytest.fixture(scope="module")
def official_fanout() -> dict[str, Any]:
    return _load("official_fanout_first_invocation.json")


@pytest.fixture(scope="module")
def ours_fanout() -> dict[str, Any]:
    return _load("ours_fanout_first_invocation.json")


def fanout_workflow(service: InMemoryDurableService, body_runs: list[str]):
    """The FANOUT workflow of ``record_official.py``, written against this package."""

    @bind(service)
    def handler(event, context: DurableContext):
        def item(ctx: DurableContext, value: int, index: int, items: Any) -> int:
            first = ctx.step(lambda _: body_runs.append(f"a{index}") or value * 10, name="a")
            if index == 1:
                ctx.wait(Duration.from_seconds(5), name="pause")
            return ctx.step(lambda _: body_runs.append(f"b{index}") or first + 1, name="b")

        mapped = context.map(event["items"], item, name="items", config=MapConfig(max_concurrency=1))
        sides = context.parallel(
            [lambda c: c.step(lambda _: body_runs.append("left") or "left", name="left"), lambda c: "right"],
            name="sides",
        )
        return {"map": mapped.get_results(), "parallel": sides.get_results(), "reason": mapped.completion_reason.value}

    return handler


def _without_traces(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**u, "Error": {k: v for k, v in u["Error"].items() if k != "StackTrace"}} if "Error" in u else u
        for u in updates
    ]


def test_fanout_first_invocation_checkpoints_what_the_official_sdk_does(official_fanout):
    # GIVEN the FANOUT workflow started on our engine
    service = InMemoryDurableService(durable_execution_arn=official_fanout["durable_execution_arn"])
    runs: list[str] = []
    service.start(official_fanout["input"])

    # WHEN its first invocation runs (it suspends on the wait inside iteration 1)
    output = invoke(fanout_workflow(service, runs), service)

    # THEN it sends the official SDK's updates (Map, MapIteration ids and payloads), in no more calls
    assert output == official_fanout["first_invocation_output"] == {"Status": "PENDING"}
    assert runs == official_fanout["body_runs"] == ["a0", "b0", "a1"]
    assert _without_traces(service.updates_of(1)) == _without_traces(official_fanout["updates"])
    assert len(service.calls) <= len(official_fanout["updates_per_checkpoint_call"])


def test_our_engine_resumes_a_map_the_official_sdk_suspended_mid_iteration(official_fanout):
    # GIVEN the official SDK's operations after it suspended inside iteration 1, the wait's timer fired
    service = _service_with(official_fanout)
    assert service.advance()
    runs: list[str] = []

    # WHEN our engine runs the next invocation
    output = invoke(fanout_workflow(service, runs), service)

    # THEN iteration 0 and iteration 1's first step replayed; only the rest ran
    assert output["Status"] == "SUCCEEDED"
    assert json.loads(output["Result"]) == official_fanout["expected_result"]
    assert runs == ["b1", "a2", "b2", "left"]


def test_official_sdk_resumed_our_map_suspended_mid_iteration(ours_fanout):
    verdict = ours_fanout["official_verdict"]
    assert verdict["ok"] is True
    assert verdict["official_body_runs"] == ["b1", "a2", "b2", "left"]
    assert verdict["official_result"] == {"map": [11, 21, 31], "parallel": ["left", "right"], "reason": "ALL_COMPLETED"}


def test_recorded_fanout_first_invocation_is_still_what_our_engine_writes(ours_fanout):
    service = InMemoryDurableService(durable_execution_arn=ours_fanout["durable_execution_arn"])
    service.start(ours_fanout["input"])
    invoke(fanout_workflow(service, []), service)
    assert _without_traces(service.updates_of(1)) == _without_traces(ours_fanout["updates"])


# -- live: both SDKs in this process (the official one is in the bench extra) ------------------------


def _live_sdks() -> tuple[Any, Any]:
    pytest.importorskip("aws_durable_execution_sdk_python", reason="the official SDK is in the bench extra")
    from tests.functional.data import record_official

    return record_official, record_official.official


def _concurrent_workflow(sdk: Any, client: Any, runs: list[str]) -> Any:
    """Five iterations, three in flight; iterations 1 and 3 wait mid-way; a nested parallel in iteration 4."""
    from aws_durable_execution_sdk_python import config as official_config

    import powertools_durable as ours

    cfg = ours if sdk is ours else official_config

    @sdk.durable_execution(boto3_client=client)
    def handler(event: Any, context: Any) -> Any:
        def item(ctx: Any, value: int, index: int, items: Any) -> Any:
            first = ctx.step(lambda _: runs.append(f"a{index}") or value, name="a")
            if index in (1, 3):
                ctx.wait(cfg.Duration.from_seconds(5), name="pause")
            if index == 4:
                inner = ctx.parallel([lambda c: c.step(lambda _: runs.append("p") or "p", name="p"), lambda c: "q"])
                return inner.get_results()
            return ctx.step(lambda _: runs.append(f"b{index}") or first * 2, name="b")

        result = context.map(list(range(5)), item, name="five", config=cfg.MapConfig(max_concurrency=3))
        return [result.get_results(), result.completion_reason.value]

    return handler


@pytest.mark.parametrize("first_sdk", ["official", "ours"])
def test_live_concurrent_map_moves_between_sdks_mid_flight(first_sdk):
    # GIVEN a concurrent map suspended on waits inside two iterations, started by one SDK
    record_official, official = _live_sdks()
    import powertools_durable as ours

    sdks = {"official": official, "ours": ours}
    second_sdk = "ours" if first_sdk == "official" else "official"
    service = InMemoryDurableService(durable_execution_arn=record_official.ARN)
    service.start({})

    def client_for(sdk: Any) -> Any:
        return record_official.Boto3Shaped(service) if sdk is official else service

    first_runs: list[str] = []
    first = _concurrent_workflow(sdks[first_sdk], client_for(sdks[first_sdk]), first_runs)
    assert first(service.envelope(), None) == {"Status": "PENDING"}

    # WHEN the other SDK resumes it after the waits
    assert service.advance()
    second_runs: list[str] = []
    second = _concurrent_workflow(sdks[second_sdk], client_for(sdks[second_sdk]), second_runs)
    outputs = [second(service.envelope(), None)]
    while outputs[-1]["Status"] == "PENDING" and service.advance():
        outputs.append(second(service.envelope(), None))

    # THEN it finishes with the same result, and no step body ran twice across the two SDKs
    assert outputs[-1]["Status"] == "SUCCEEDED", outputs[-1]
    assert json.loads(outputs[-1]["Result"]) == [[0, 2, 4, 6, ["p", "q"]], "ALL_COMPLETED"]
    all_runs = first_runs + second_runs
    assert sorted(all_runs) == sorted(["a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3", "p"])
