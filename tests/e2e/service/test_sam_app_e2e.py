"""The SAM app's eight functions, each through the running emulator (worker processes) with boto3.

The emulator serves the repository's ``template.yaml`` at ``--time-scale 20``: a 1 s wait
lasts 50 ms, less than an invocation may take to return, so fact 5's order is exercised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"

ES, ESU, EF = "ExecutionStarted", "ExecutionSucceeded", "ExecutionFailed"
SS, SSU, SF = "StepStarted", "StepSucceeded", "StepFailed"
WS, WSU, IC = "WaitStarted", "WaitSucceeded", "InvocationCompleted"


@pytest.fixture(scope="module")
def sam_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(TEMPLATE, time_scale=20) as emulator:
        yield emulator


def _run(emulator: LocalEmulator, function: str, payload: Any) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
    lambda_client = emulator.client()
    response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(payload))
    arn = response["DurableExecutionArn"]
    body = json.loads(response["Payload"].read())
    events: list[dict[str, Any]] = []
    marker = None
    while True:
        page = lambda_client.get_durable_execution_history(
            DurableExecutionArn=arn, MaxItems=5, **({"Marker": marker} if marker else {})
        )
        events += page["Events"]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert [e["EventId"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["ExecutionStartedDetails"]["Input"]["Payload"] == json.dumps(payload)
    return body, events, lambda_client.get_durable_execution(DurableExecutionArn=arn)


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["EventType"] for e in events]


def test_step_wait_step(sam_emulator: LocalEmulator) -> None:
    body, events, described = _run(sam_emulator, "StepWaitStepFunction", {"name": "e2e"})
    assert body == {"greeting": "Hello, e2e!", "shouted": "HELLO, E2E!"}
    assert described["Status"] == "SUCCEEDED"
    assert _kinds(events) == [ES, SS, SSU, WS, IC, WSU, SS, SSU, IC, ESU]
    assert events[3]["WaitStartedDetails"]["Duration"] == 2
    assert events[5]["WaitSucceededDetails"] == {"Duration": 2}
    assert events[5]["Name"] == "pause"


def test_multiple_steps(sam_emulator: LocalEmulator) -> None:
    body, events, _ = _run(sam_emulator, "MultipleStepsFunction", {"start": 0})
    assert body == {"values": [1, 3, 6, 10, 15], "total": 15}
    assert _kinds(events) == [ES, *[SS, SSU] * 5, IC, ESU]
    assert [e["Name"] for e in events if e["EventType"] == SSU] == [f"add-{i}" for i in range(1, 6)]


def test_wait_only(sam_emulator: LocalEmulator) -> None:
    body, events, _ = _run(sam_emulator, "WaitOnlyFunction", {"seconds": 2})
    assert body == {"waited_seconds": 2}
    assert _kinds(events) == [ES, WS, IC, WSU, IC, ESU]


def test_longer_wait(sam_emulator: LocalEmulator) -> None:
    body, events, _ = _run(sam_emulator, "LongerWaitFunction", {"seconds": 5})
    assert body == {"waited_seconds": 10}
    # fact 5: the first wait's WaitSucceeded, then the second WaitStarted, in the same invocation
    assert _kinds(events) == [ES, WS, IC, WSU, WS, IC, WSU, IC, ESU]
    assert [e["WaitSucceededDetails"]["Duration"] for e in events if e["EventType"] == WSU] == [5, 5]


def test_replay_determinism(sam_emulator: LocalEmulator) -> None:
    body, events, _ = _run(sam_emulator, "ReplayDeterminismFunction", {})
    assert body["same"] is True
    assert body["generated"] == body["read_back"]
    assert _kinds(events) == [ES, SS, SSU, SS, SSU, WS, IC, WSU, SS, SSU, IC, ESU]


def test_retry_succeeds(sam_emulator: LocalEmulator) -> None:
    body, events, _ = _run(sam_emulator, "RetrySucceedsFunction", {})
    assert body == {"succeeded_on_attempt": 3}
    assert _kinds(events) == [ES, SS, SF, IC, SS, SF, IC, SS, SSU, IC, ESU]
    retries = [e["StepFailedDetails"]["RetryDetails"] for e in events if e["EventType"] == SF]
    assert retries == [
        {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1},
        {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 2},
    ]
    assert events[8]["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 3}


def test_retry_exhausts(sam_emulator: LocalEmulator) -> None:
    body, events, described = _run(sam_emulator, "RetryExhaustsFunction", {})
    assert described["Status"] == "FAILED"
    assert "attempt 3 failed" in body["errorMessage"]
    assert _kinds(events) == [ES, SS, SF, IC, SS, SF, IC, SS, SF, IC, EF]
    final = [e for e in events if e["EventType"] == SF][-1]["StepFailedDetails"]
    assert final["RetryDetails"] == {"CurrentAttempt": 3}
    assert final["Error"]["Payload"]["ErrorMessage"] == "attempt 3 failed"


def test_step_fails(sam_emulator: LocalEmulator) -> None:
    body, events, described = _run(sam_emulator, "StepFailsFunction", {})
    assert described["Status"] == "FAILED"
    assert described["Error"]["ErrorMessage"] == "invalid order"
    assert body["errorMessage"] == "invalid order"
    assert _kinds(events) == [ES, SS, SF, IC, EF]
    assert events[-1]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == "invalid order"
