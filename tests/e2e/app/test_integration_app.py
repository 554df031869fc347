"""The integration app (the repository's template.yaml) through the ``durable_emulator`` fixture's verbs.

One suite, two targets: by default the emulator serves the template; with ``--durable-target=cloud``
and ``--durable-stack NAME`` (or ``--durable-function-map``) the same tests run the deployed stack
through the Lambda API. So the assertions read what both report alike: statuses, results, errors and
the operations' events (``InvocationCompleted`` is left out: how many invocations a run takes is the
service's business).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ES, ESU, EF = "ExecutionStarted", "ExecutionSucceeded", "ExecutionFailed"
SS, SSU, SF = "StepStarted", "StepSucceeded", "StepFailed"
WS, WSU = "WaitStarted", "WaitSucceeded"


def _kinds(history: list[dict[str, Any]]) -> list[str]:
    return [e["EventType"] for e in history if e["EventType"] != "InvocationCompleted"]


def _envelope(text: str) -> str:
    """A string as ExtendedTypeSerDes writes it."""
    return json.dumps({"t": "s", "v": text})


def test_step_wait_step(durable_emulator: Any) -> None:
    run = durable_emulator.run("StepWaitStepFunction", {"name": "both"}, timeout=120)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"greeting": "Hello, both!", "shouted": "HELLO, BOTH!"}
    assert _kinds(run.history) == [ES, SS, SSU, WS, WSU, SS, SSU, ESU]
    assert run.operation("pause").status == "SUCCEEDED"


def test_multiple_steps(durable_emulator: Any) -> None:
    run = durable_emulator.run("MultipleStepsFunction", {"start": 0}, timeout=120)
    assert run.result == {"values": [1, 3, 6, 10, 15], "total": 15}
    assert [e["Name"] for e in run.events(SSU)] == [f"add-{i}" for i in range(1, 6)]


def test_waits(durable_emulator: Any) -> None:
    arn = durable_emulator.run_async("LongerWaitFunction", {"seconds": 1})
    short = durable_emulator.run("WaitOnlyFunction", {"seconds": 1}, timeout=120)
    longer = durable_emulator.wait_for_result(arn, timeout=120)
    assert short.result == {"waited_seconds": 1}
    assert longer.result == {"waited_seconds": 2}
    assert _kinds(longer.history) == [ES, WS, WSU, WS, WSU, ESU]
    assert durable_emulator.history(arn) == longer.history


def test_replay_determinism(durable_emulator: Any) -> None:
    run = durable_emulator.run("ReplayDeterminismFunction", {}, timeout=120)
    assert run.result["same"] is True
    assert run.result["generated"] == run.result["read_back"]


def test_retries(durable_emulator: Any) -> None:
    succeeds = durable_emulator.run("RetrySucceedsFunction", {}, timeout=120)
    exhausts = durable_emulator.run("RetryExhaustsFunction", {}, timeout=120)
    assert succeeds.result == {"succeeded_on_attempt": 3}
    assert _kinds(succeeds.history) == [ES, SS, SF, SS, SF, SS, SSU, ESU]
    assert exhausts.status == "FAILED"
    assert "attempt 3 failed" in exhausts.error["ErrorMessage"]
    assert _kinds(exhausts.history)[-1] == EF


def test_step_fails(durable_emulator: Any) -> None:
    run = durable_emulator.run("StepFailsFunction", {}, timeout=120)
    assert run.status == "FAILED"
    assert run.error["ErrorMessage"] == "invalid order"
    assert _kinds(run.history) == [ES, SS, SF, EF]


def test_callback_answered_after_a_heartbeat(durable_emulator: Any) -> None:
    arn = durable_emulator.run_async("UntrustedCallbackFunction", {})
    callback_id = durable_emulator.wait_for_callback(arn, name="answer", timeout=120)
    durable_emulator.send_callback_heartbeat(callback_id)
    durable_emulator.send_callback_success(callback_id, result=_envelope("approved"))
    run = durable_emulator.wait_for_result(arn, timeout=120)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "'approved'"
    assert run.operation("answer").callback_id == callback_id


def test_callback_failure_fails_the_execution(durable_emulator: Any) -> None:
    arn = durable_emulator.run_async("UntrustedCallbackFunction", {})
    callback_id = durable_emulator.wait_for_callback(arn, timeout=120)
    durable_emulator.send_callback_failure(callback_id, error=RuntimeError("rejected by the approver"))
    run = durable_emulator.wait_for_result(arn, timeout=120)
    assert run.status == "FAILED"
    assert "rejected by the approver" in json.dumps(run.error)


def test_hostile_callback_answer_is_refused(durable_emulator: Any, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    argv = {"t": "l", "v": [{"t": "s", "v": "touch"}, {"t": "s", "v": str(marker)}]}
    hostile = {"t": "dc", "v": {"c": "subprocess:Popen", "d": {"args": argv}}}
    arn = durable_emulator.run_async("UntrustedCallbackFunction", {})
    durable_emulator.send_callback_success(durable_emulator.wait_for_callback(arn, timeout=120), json.dumps(hostile))
    run = durable_emulator.wait_for_result(arn, timeout=120)
    assert run.status == "FAILED"
    assert run.error["ErrorType"].endswith("SerDesError")
    assert "'subprocess:Popen'" in run.error["ErrorMessage"]
    assert not marker.exists()


def test_chained_invoke_through_the_alias(durable_emulator: Any) -> None:
    run = durable_emulator.run("UntrustedInvokeFunction", {"returns": {"t": "s", "v": "echoed"}}, timeout=120)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "'echoed'"
    assert [e["EventType"] for e in run.history if e["EventType"].startswith("ChainedInvoke")] == [
        "ChainedInvokeStarted",
        "ChainedInvokeSucceeded",
    ]
