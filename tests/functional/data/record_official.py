"""Regenerate the cross-SDK recordings (``official_first_invocation.json``, ``ours_first_invocation.json``,
and the FANOUT pair ``official_fanout_first_invocation.json`` / ``ours_fanout_first_invocation.json``).

Not collected by pytest. Needs AWS's official SDK (``aws-durable-execution-sdk-python``), which is
not a project dependency; run it from the repository root with a Python that has both::

    /work/.venv/bin/python tests/functional/data/record_official.py

1. The official SDK runs the first invocation of the ORDER workflow against the in-memory service
   (through a boto3-shaped fake); the operations it leaves are written down, and our engine's test
   resumes them.
2. Our engine runs the first invocation of the same workflow; the official SDK then resumes those
   operations to the end, and this script writes its verdict next to them.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import aws_durable_execution_sdk_python as official  # noqa: E402
from aws_durable_execution_sdk_python import config as official_config  # noqa: E402
from aws_durable_execution_sdk_python.__about__ import __version__ as official_version  # noqa: E402
from aws_durable_execution_sdk_python.config import Duration as OfficialDuration  # noqa: E402

import powertools_durable as ours  # noqa: E402
from powertools_durable.config import Duration  # noqa: E402
from powertools_durable.local.memory import InMemoryDurableService  # noqa: E402
from tests.functional.official import Boto3Shaped  # noqa: E402

HERE = Path(__file__).resolve().parent
INPUT = {"order_id": "o-7", "qty": 3}
# The official SDK finds the EXECUTION operation by the ARN's last segment, as the service names it.
ARN = InMemoryDurableService().durable_execution_arn


def workflow(sdk: Any, client: Any, body_runs: list[str]) -> Any:
    duration = OfficialDuration if sdk is official else Duration

    """The ORDER workflow, written against ``sdk`` (either package: the surface is the same)."""

    @sdk.durable_execution(boto3_client=client)
    def handler(event: dict[str, Any], context: Any) -> Any:
        def reserve(_: Any) -> dict[str, Any]:
            body_runs.append("reserve")
            return {
                "order_id": event["order_id"],
                "lines": [{"sku": "a", "qty": event["qty"]}],
                "price": Decimal("19.90"),
                "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
                "pair": (1, "x"),
            }

        def label(_: Any) -> str:
            body_runs.append("label")
            return f"label-{event['order_id']}"

        booking = context.step(reserve, name="reserve")
        tag = context.step(label, name="label")
        context.wait(duration.from_seconds(5), name="cool-off")
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


EXPECTED_RESULT = {
    "confirmed": "o-7:label-o-7",
    "price": "19.90",
    "at": "2025-01-02T03:04:05+00:00",
    "pair": [1, "x"],
    "qty": 3,
}


def plain(value: Any) -> Any:
    """JSON-ready copy (enum values as strings)."""
    return json.loads(json.dumps(value, default=str))


def first_invocation(sdk: Any) -> tuple[InMemoryDurableService, dict[str, Any], list[str]]:
    return _first(sdk, workflow, INPUT)


def record_official_first() -> None:
    service, output, runs = first_invocation(official)
    assert output == {"Status": "PENDING"}, output
    assert runs == ["reserve", "label"], runs
    data = {
        "generated_by": f"aws-durable-execution-sdk-python {official_version}",
        "durable_execution_arn": ARN,
        "input": INPUT,
        "first_invocation_output": output,
        "body_runs": runs,
        "updates": plain(service.updates_of(1)),
        "updates_per_checkpoint_call": [len(call.updates) for call in service.calls],
        "operations": plain(list(service.operations.values())),
        "expected_result": EXPECTED_RESULT,
    }
    (HERE / "official_first_invocation.json").write_text(json.dumps(data, indent=2) + "\n")


def record_ours_then_official() -> None:
    service, output, runs = first_invocation(ours)
    assert output == {"Status": "PENDING"}, output
    assert runs == ["reserve", "label"], runs
    operations = plain(list(service.operations.values()))
    assert service.advance()
    official_runs: list[str] = []
    resume = workflow(official, Boto3Shaped(service), official_runs)
    outputs = []
    for _ in range(5):
        outputs.append(resume(service.envelope(), None))
        if outputs[-1]["Status"] != "PENDING" or not service.advance():
            break
    final = outputs[-1]
    result = json.loads(final["Result"]) if final.get("Result") else None
    verdict = {
        "official_outputs": outputs,
        "official_body_runs": official_runs,
        "official_result": result,
        "ok": final["Status"] == "SUCCEEDED" and result == EXPECTED_RESULT and official_runs == ["confirm"],
    }
    data = {
        "generated_by": f"powertools-durable {ours.__version__}, resumed by aws-durable-execution-sdk-python "
        f"{official_version}",
        "durable_execution_arn": ARN,
        "input": INPUT,
        "first_invocation_output": output,
        "body_runs": runs,
        "updates": plain(service.updates_of(1)),
        "operations": operations,
        "official_verdict": verdict,
    }
    (HERE / "ours_first_invocation.json").write_text(json.dumps(data, indent=2) + "\n")


FANOUT_INPUT = {"items": [1, 2, 3]}
FANOUT_RESULT = {"map": [11, 21, 31], "parallel": ["left", "right"], "reason": "ALL_COMPLETED"}


def fanout_workflow(sdk: Any, client: Any, body_runs: list[str]) -> Any:
    """FANOUT: a map whose iteration 1 waits between its two steps (one at a time), then a parallel."""
    cfg = official_config if sdk is official else ours

    @sdk.durable_execution(boto3_client=client)
    def handler(event: dict[str, Any], context: Any) -> Any:
        def item(ctx: Any, value: int, index: int, items: Any) -> int:
            first = ctx.step(lambda _: body_runs.append(f"a{index}") or value * 10, name="a")
            if index == 1:
                ctx.wait(cfg.Duration.from_seconds(5), name="pause")
            return ctx.step(lambda _: body_runs.append(f"b{index}") or first + 1, name="b")

        mapped = context.map(event["items"], item, name="items", config=cfg.MapConfig(max_concurrency=1))
        sides = context.parallel(
            [lambda c: c.step(lambda _: body_runs.append("left") or "left", name="left"), lambda c: "right"],
            name="sides",
        )
        return {"map": mapped.get_results(), "parallel": sides.get_results(), "reason": mapped.completion_reason.value}

    return handler


def _first(sdk: Any, build: Any, payload: Any) -> tuple[InMemoryDurableService, dict[str, Any], list[str]]:
    service = InMemoryDurableService(durable_execution_arn=ARN)
    runs: list[str] = []
    handler = build(sdk, Boto3Shaped(service) if sdk is official else service, runs)
    service.start(payload)
    return service, handler(service.envelope(), None), runs


def record_fanout() -> None:
    service, output, runs = _first(official, fanout_workflow, FANOUT_INPUT)
    assert output == {"Status": "PENDING"}, output
    data = {
        "generated_by": f"aws-durable-execution-sdk-python {official_version}",
        "durable_execution_arn": ARN,
        "input": FANOUT_INPUT,
        "first_invocation_output": output,
        "body_runs": runs,
        "updates": plain(service.updates_of(1)),
        "updates_per_checkpoint_call": [len(call.updates) for call in service.calls],
        "operations": plain(list(service.operations.values())),
        "expected_result": FANOUT_RESULT,
    }
    (HERE / "official_fanout_first_invocation.json").write_text(json.dumps(data, indent=2) + "\n")

    service, output, runs = _first(ours, fanout_workflow, FANOUT_INPUT)
    assert output == {"Status": "PENDING"}, output
    operations = plain(list(service.operations.values()))
    updates = plain(service.updates_of(1))
    assert service.advance()
    official_runs: list[str] = []
    resume = fanout_workflow(official, Boto3Shaped(service), official_runs)
    outputs = [resume(service.envelope(), None)]
    final = outputs[-1]
    result = json.loads(final["Result"]) if final.get("Result") else None
    verdict = {
        "official_outputs": outputs,
        "official_body_runs": official_runs,
        "official_result": result,
        "ok": final["Status"] == "SUCCEEDED"
        and result == FANOUT_RESULT
        and official_runs == ["b1", "a2", "b2", "left"],
    }
    data = {
        "generated_by": f"powertools-durable {ours.__version__}, resumed by aws-durable-execution-sdk-python "
        f"{official_version}",
        "durable_execution_arn": ARN,
        "input": FANOUT_INPUT,
        "first_invocation_output": output,
        "body_runs": runs,
        "updates": updates,
        "operations": operations,
        "official_verdict": verdict,
    }
    (HERE / "ours_fanout_first_invocation.json").write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    record_official_first()
    record_ours_then_official()
    record_fanout()
    print("wrote", *sorted(p.name for p in HERE.glob("*.json")))
