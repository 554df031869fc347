"""parallel and map through the real emulator (HTTP API, worker processes): suspension mid-batch and resume."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.timeline import format_timeline

pytestmark = pytest.mark.e2e

CONFORMANCE_TEMPLATE = Path(__file__).resolve().parents[2] / "conformance" / "template.yaml"


@pytest.fixture(scope="module")
def durable_emulator() -> Iterator[LocalEmulator]:
    """The plugin's fixture, on the conformance stack's template (its 8-x and 9-x functions)."""
    with LocalEmulator(CONFORMANCE_TEMPLATE, store=":memory:", skip_time=True) as emulator:
        yield emulator


def _events(run: Any, kind: str) -> list[dict[str, Any]]:
    return [event for event in run.history if event["EventType"] == kind]


def test_map_suspended_on_a_wait_inside_an_iteration_finishes(durable_emulator: Any) -> None:
    # GIVEN the 9-15 function: iteration 1 of a map waits between its steps
    # WHEN it runs on the emulator
    run = durable_emulator.run("Conformance9x15Function", None)

    # THEN it suspended mid-map, resumed, and each iteration's step ran once
    assert run.status == "SUCCEEDED", run.error
    assert run.result == ["r0", "r1"]
    assert len(_events(run, "InvocationCompleted")) == 2
    steps = _events(run, "StepSucceeded")
    assert [e["StepSucceededDetails"]["Result"]["Payload"] for e in steps] == ['"r0"', '"r1"']
    iterations = [e for e in _events(run, "ContextSucceeded") if e["SubType"] == "MapIteration"]
    (map_op,) = [e for e in _events(run, "ContextSucceeded") if e["SubType"] == "Map"]
    assert {e["ParentId"] for e in iterations} == {map_op["Id"]}
    # AND the timeline nests the steps under their iteration, under the map
    timeline = format_timeline(run.history)
    assert "    StepSucceeded" in timeline
    assert "[MapIteration]" in timeline


def test_parallel_with_concurrent_branches_returns_in_index_order(durable_emulator: Any) -> None:
    run = durable_emulator.run("Conformance8x11Function", None)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == ["r0", "r1", "r2"]
    branches = [e for e in _events(run, "ContextSucceeded") if e["SubType"] == "ParallelBranch"]
    assert len(branches) == 3
