"""The replayer against golden histories of the SAM app: unchanged code replays cleanly, changed code is caught."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from powertools_durable import (
    DurableContext,
    Duration,
    StepContext,
    WaitForConditionConfig,
    WaitForConditionDecision,
    durable_execution,
    durable_step,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.tools.replay import HistoryError, assert_replays, load, replay
from tests.functional.fresh_loggers import fresh_loggers  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("fresh_loggers")

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = ROOT / "tests" / "functional" / "data" / "histories"
GOLDEN = sorted(path.stem for path in HISTORIES.glob("*.json"))


def sam_handler(function: str) -> Any:
    """``sam_app/<function>/app.py``'s handler, loaded as the emulator loads it (own module, directory on sys.path)."""
    path = ROOT / "sam_app" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"sam_{function}_{uuid.uuid4().hex}", path)
    assert spec is not None
    assert spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module.handler


def history(function: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HISTORIES / f"{function}.json").read_text())
    return data


def test_every_sam_app_function_has_a_golden_history():
    # every function of sam_app/ but UntrustedPayloads (its scenarios need a callback and an invoke answered);
    # SupportAgent's was recorded with its approval answered (record.py: ANSWERED)
    functions = {p.name for p in (ROOT / "sam_app").iterdir() if (p / "app.py").exists()} - {"UntrustedPayloads"}
    assert functions == set(GOLDEN)
    assert {"StepWaitStep", "MultipleSteps", "WaitOnly", "RetrySucceeds", "StepFails"} <= set(GOLDEN)


@pytest.mark.parametrize("function", GOLDEN)
def test_unchanged_code_replays_its_golden_history_cleanly(function: str):
    # GIVEN a history the emulator recorded for a SAM app function, and that function's code
    # WHEN the code is replayed against it
    report = assert_replays(HISTORIES / f"{function}.json", sam_handler(function))
    # THEN it replays cleanly to the recorded end, without running a step body or calling a service
    assert report.clean
    assert "as recorded" in report.summary


def _reordered(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """StepWaitStep with its two steps swapped: what a careless refactoring does."""

    @durable_step
    def greet(step: StepContext, name: str) -> str:
        return f"Hello, {name}!"

    @durable_step
    def shout(step: StepContext, greeting: str) -> str:
        return greeting.upper()

    shouted = context.step(shout(event.get("name", "World")))
    context.wait(Duration.from_seconds(2), name="pause")
    return {"greeting": context.step(greet(shouted)), "shouted": shouted}


CONFORMANCE = {
    "Conformance3x1": "child_handlers.py:child_basic",  # a child context
    "Conformance6x1": "wait_for_condition_handlers.py:poll_basic",  # polls over three invocations
    "Conformance8x1": "parallel_handlers.py:parallel_basic",  # parallel branches
    "Conformance9x1": "map_handlers.py:map_basic",  # map branches
}


@pytest.mark.parametrize("function", sorted(CONFORMANCE))
def test_conformance_functions_replay_their_golden_histories(function: str):
    # GIVEN the emulator's history of a conformance function with child contexts, polls or branches
    from powertools_durable.tools.replay.command import load_handler

    file, name = CONFORMANCE[function].split(":")
    handler = load_handler(f"{ROOT / 'sam_app' / 'conformance' / file}:{name}", [ROOT / "sam_app" / "conformance"])
    # THEN its code replays it cleanly
    report = assert_replays(HISTORIES / "conformance" / f"{function}.json", handler)
    assert "as recorded" in report.summary


def test_a_reordered_step_is_caught_at_its_position():
    # GIVEN StepWaitStep's golden history and the same workflow with its steps swapped
    handler = durable_execution(_reordered)
    # WHEN it is replayed
    report = replay(HISTORIES / "StepWaitStep.json", handler)
    # THEN the first divergence is named: operation #1, recorded step 'greet', the code asks for 'shout'
    assert not report.clean
    assert report.divergence is not None
    assert report.divergence.position == 1
    assert report.divergence.operation_id == load(HISTORIES / "StepWaitStep.json").operations[1]["Id"]
    assert "'greet'" in report.divergence.recorded
    assert "'shout'" in report.divergence.asked
    with pytest.raises(AssertionError, match="operation #1"):
        assert_replays(HISTORIES / "StepWaitStep.json", handler)


def test_a_step_added_at_the_end_of_an_ended_execution_diverges():
    # GIVEN MultipleSteps with a sixth step appended
    original = sam_handler("MultipleSteps")
    ran: list[str] = []

    @durable_execution
    def longer(event: dict[str, Any], context: DurableContext) -> Any:
        for i in range(1, 6):
            context.step(lambda _, i=i: ran.append(f"add-{i}"), name=f"add-{i}")
        return context.step(lambda _: ran.append("add-6"), name="add-6")

    assert assert_replays(HISTORIES / "MultipleSteps.json", original).clean
    report = replay(HISTORIES / "MultipleSteps.json", longer)
    # THEN the history ended SUCCEEDED, the code goes on: a divergence, and the new step's body never ran
    assert not report.clean
    assert "ended SUCCEEDED" in report.summary
    assert report.divergence is not None
    assert "'add-6'" in report.divergence.asked
    assert ran == []  # recorded steps replayed from their results; the new one's body never ran


def test_a_removed_last_step_is_caught():
    @durable_execution
    def shorter(event: dict[str, Any], context: DurableContext) -> Any:
        return [context.step(lambda _, i=i: i, name=f"add-{i}") for i in range(1, 5)]

    report = replay(HISTORIES / "MultipleSteps.json", shorter)
    assert not report.clean
    assert report.divergence is not None
    assert report.divergence.position == 5
    assert "'add-5'" in report.divergence.recorded


def test_another_result_is_caught():
    @durable_execution
    def other_result(event: dict[str, Any], context: DurableContext) -> Any:
        values = [context.step(lambda _, i=i: i, name=f"add-{i}") for i in range(1, 6)]
        return {"values": values, "total": -1}

    report = replay(HISTORIES / "MultipleSteps.json", other_result)
    assert not report.clean
    assert "another result" in report.summary


def test_a_history_cut_before_its_end_replays_cleanly_up_to_the_end():
    # GIVEN StepWaitStep's history as it stood after its first invocation (suspended in the wait)
    events = history("StepWaitStep")["Events"]
    first = [e["EventType"] for e in events].index("InvocationCompleted")
    cut = {"DurableExecutionArn": history("StepWaitStep")["DurableExecutionArn"], "Events": events[: first + 1]}
    # WHEN the code is replayed against it
    report = replay(cut, sam_handler("StepWaitStep"))
    # THEN it replays cleanly: the code waits where the history stops
    assert report.clean, report
    assert "waits where the history ends" in report.summary
    # AND cut after the wait succeeded, the code's next step is past the history: clean up to the end
    after_wait = [e["EventType"] for e in events].index("WaitSucceeded")
    report = replay({"Events": events[: after_wait + 1]}, sam_handler("StepWaitStep"))
    assert report.clean, report
    assert "up to the end of the history" in report.summary
    assert "'shout'" in report.summary


def test_the_state_of_get_durable_execution_state_replays_too(service: InMemoryDurableService):
    # GIVEN an execution recorded by the in-memory service, its operations as GetDurableExecutionState returns them
    @durable_execution(boto3_client=service)
    def handler(event: Any, context: DurableContext) -> Any:
        first = context.step(lambda _: str(uuid.uuid4()), name="fresh")
        context.wait(Duration.from_seconds(5), name="pause")
        return {"first": first, "id": str(context.uuid4())}

    result = run_to_completion(handler, {}, service=service)
    state = {"Operations": list(service.operations.values())}
    calls = len(service.calls)
    # WHEN replayed with the execution's ARN (context.uuid4() derives from it)
    report = replay(state, durable_execution(handler.__wrapped__), arn=service.durable_execution_arn)
    # THEN it replays cleanly, the result included, and nothing reached the service
    assert report.clean, report
    assert len(service.calls) == calls
    assert result.status == "SUCCEEDED"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"Events": []}, "no ExecutionStarted"),
        ({"nothing": 1}, "expected Events"),
        ({"Events": [], "NextMarker": "5"}, "one page"),
        ("[1, 2]", "is not an event with an EventType"),
        ({"Operations": [{"Id": "x", "Type": "STEP", "Status": "SUCCEEDED"}]}, "exactly one EXECUTION"),
        (
            {
                "Events": [
                    {"EventType": "ExecutionStarted", "Id": "e", "ExecutionStartedDetails": {"Input": {}}},
                ]
            },
            "IncludeExecutionData",
        ),
    ],
)
def test_unreadable_histories_are_refused_with_the_reason(data: Any, problem: str, tmp_path: Path):
    source: Any = data
    if isinstance(data, str):
        source = tmp_path / "history.json"
        source.write_text(data)
    with pytest.raises(HistoryError, match=problem):
        load(source)


@pytest.mark.parametrize(
    "bad",
    [{"Id": 3, "Type": "STEP", "Status": "SUCCEEDED"}, {"Id": "s", "Type": "STEP"}, ["Id", "Type", "Status"]],
)
def test_a_malformed_recorded_operation_is_refused_with_its_index(bad: Any):
    # GIVEN a state whose second operation lacks a string Id, Type or Status (as the engine checks the service's)
    data = {"Operations": [{"Id": "e", "Type": "EXECUTION", "Status": "STARTED"}, bad]}
    # WHEN loaded / THEN it is refused, naming the operation
    with pytest.raises(HistoryError, match=r"Operations\[1\] is not an operation with string Id, Type and Status"):
        load(data)


def _every_operation(last_step: str = "end", branch_step: str = "upper") -> Any:
    """Steps, a child, map and parallel branches, a callback, a polled condition, an invoke, replay-safe values."""

    def branch(child: DurableContext, item: str, index: int, items: Any) -> str:
        upper = child.step(lambda _: item.upper(), name=f"{branch_step}-{child.uuid4().hex[:6]}")
        child.wait(Duration.from_seconds(1), name="rest")  # the first invocation ends with every branch waiting
        return upper

    def poll_until_two(state: int, attempt: int) -> WaitForConditionDecision:
        if state < 2:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    def handler(event: Any, context: DurableContext) -> Any:
        first = context.step(lambda _: 1, name=f"first-{context.uuid4().hex[:8]}")  # a name from a replay-safe uuid
        nested = context.run_in_child_context(lambda c: c.step(lambda _: "in", name="inner"), name="child")
        mapped = context.map(["a", "b", "c"], branch, name="fan-out").get_results()
        both = context.parallel([lambda c: c.step(lambda _: 1, name="p1"), lambda c: 2], name="both").get_results()
        answer = context.create_callback(name="approval").result()
        polled = context.wait_for_condition(
            lambda state, _: state + 1, WaitForConditionConfig(poll_until_two, initial_state=0), name="poll"
        )
        invoked = context.invoke("other-fn", {"x": 1}, name="call")
        last = context.step(lambda _: "end", name=last_step)
        return [first, nested, mapped, both, answer, polled, invoked, last]

    return handler


def _outside_world(service: InMemoryDurableService) -> bool:
    """Answers the callback and finishes the invoked function when the execution waits on them."""
    for op in service.operations.values():
        if op["Status"] == "STARTED" and op["Type"] == "CALLBACK":
            service.answer_callback(op["CallbackDetails"]["CallbackId"], result='"yes"')
            return True
        if op["Status"] == "STARTED" and op["Type"] == "CHAINED_INVOKE":
            service.finish_invoke(op["Id"], result='{"ok": true}')
            return True
    return False


def test_every_kind_of_operation_replays_and_changes_are_caught(service: InMemoryDurableService):
    # GIVEN an execution of every kind of operation, recorded by the in-memory service, run to its end
    snapshots: list[list[dict[str, Any]]] = []

    def world(service: InMemoryDurableService) -> bool:
        snapshots.append(copy.deepcopy(list(service.operations.values())))  # the state after each invocation
        return _outside_world(service)

    handler = durable_execution(_every_operation(), boto3_client=service)
    result = run_to_completion(handler, {}, service=service, external=world)
    assert result.status == "SUCCEEDED", result.error
    operations = copy.deepcopy(list(service.operations.values()))
    operations[0].update(Status="SUCCEEDED", ExecutionDetails={"Result": json.dumps(result.result)})  # as AWS shows it
    state = {"Operations": operations}
    arn = service.durable_execution_arn
    calls = len(service.calls)
    # WHEN the same code is replayed (10 times: branches run on threads in any order)
    for _ in range(10):
        report = replay(state, durable_execution(_every_operation()), arn=arn)
        # THEN it replays cleanly, and nothing reaches the service
        assert report.clean, report
    assert len(service.calls) == calls
    # AND a renamed last step, one more map item, or another execution's ARN (uuid-derived names) diverge
    assert not replay(state, durable_execution(_every_operation(last_step="finish")), arn=arn).clean
    other_arn = replay(state, durable_execution(_every_operation()), arn=arn.replace("run-1", "run-2"))
    assert not other_arn.clean
    assert other_arn.divergence is not None
    assert other_arn.divergence.position == 1
    # AND in the state of the first invocation (every map branch waiting), a renamed branch step is caught
    mid_map = {"Operations": snapshots[0]}
    assert "waits where the history ends" in replay(mid_map, durable_execution(_every_operation()), arn=arn).summary
    renamed = replay(mid_map, durable_execution(_every_operation(branch_step="lower")), arn=arn)
    assert not renamed.clean
    assert renamed.divergence is not None
    assert "'upper-" in renamed.divergence.recorded
    assert "'lower-" in renamed.divergence.asked
