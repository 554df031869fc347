"""Executions driven through the running emulator with boto3; histories checked against facts 1-7."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.service.conftest import EmulatorFactory


def kinds(history: list[dict[str, Any]]) -> list[str]:
    return [e["EventType"] for e in history]


def all_events(lambda_client: Any, arn: str, **options: Any) -> list[dict[str, Any]]:
    events, marker = [], None
    while True:
        page = lambda_client.get_durable_execution_history(
            DurableExecutionArn=arn, **options, **({"Marker": marker} if marker else {})
        )
        events += page["Events"]
        marker = page.get("NextMarker")
        if not marker:
            return events


@pytest.mark.e2e
@pytest.mark.parametrize("skip_time", [False, True], ids=["scaled-x20", "skipping"])
def test_step_wait_step_history(make_emulator: EmulatorFactory, skip_time: bool) -> None:
    # GIVEN the emulator at --time-scale 20 (a 1 s wait lasts 50 ms) or on a skipping clock
    emulator = make_emulator(skip_time=skip_time)
    lambda_client = emulator.client()
    # WHEN a step-wait-step execution runs through a RequestResponse invoke
    response = lambda_client.invoke(FunctionName="StepWaitStep", Payload=json.dumps({"order": 1}))
    arn = response["DurableExecutionArn"]
    # THEN the invoke returned the execution's result and ARN
    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"].read()) == "fa-second"
    events = all_events(lambda_client, arn)
    # fact 1: numbering; fact 5: WaitSucceeded after the first invocation's InvocationCompleted
    assert [e["EventId"] for e in events] == list(range(1, 11))
    assert kinds(events) == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    started, first, wait, completed, woke = events[0], events[2], events[3], events[4], events[5]
    # fact 7: the input is the invoke payload; the EXECUTION operation's id is the ARN's last segment
    assert started["ExecutionStartedDetails"]["Input"] == {"Payload": json.dumps({"order": 1}), "Truncated": False}
    assert started["Id"] == arn.rsplit("/", 1)[-1]
    # facts 2-3: details always present, operation fields, payloads with IncludeExecutionData
    assert first["Name"] == "first"
    assert first["SubType"] == "Step"
    assert first["StepSucceededDetails"]["Result"] == {"Payload": '"fa"', "Truncated": False}
    assert events[1]["StepStartedDetails"] == {}
    assert events[1]["EventTimestamp"] == first["EventTimestamp"]
    # fact 5: modelled durations
    assert wait["WaitStartedDetails"]["Duration"] == 1
    assert woke["WaitSucceededDetails"] == {"Duration": 1}
    assert woke["Id"] == wait["Id"]
    # fact 6: InvocationCompleted without operation fields, with its request id and times
    assert {"Id", "SubType", "Name"}.isdisjoint(completed)
    details = completed["InvocationCompletedDetails"]
    assert set(details) == {"StartTimestamp", "EndTimestamp", "RequestId"}
    assert details["StartTimestamp"] <= details["EndTimestamp"]
    assert events[-1]["ExecutionSucceededDetails"]["Result"]["Payload"] == '"fa-second"'
    assert [e["EventTimestamp"] for e in events] == sorted(e["EventTimestamp"] for e in events)


@pytest.mark.e2e
def test_two_waits_in_a_row(emulator: LocalEmulator) -> None:
    run = emulator.run("TwoWaits", timeout=20)
    assert run.status == "SUCCEEDED"
    assert kinds(run.history)[1:] == [
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    assert [e["WaitSucceededDetails"]["Duration"] for e in run.events("WaitSucceeded")] == [1, 2]


@pytest.mark.e2e
def test_retries_are_step_failed_with_retry_details(emulator: LocalEmulator) -> None:
    run = emulator.run("RetrySucceeds", {"key": str(uuid.uuid4())}, timeout=20)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "finally"
    assert kinds(run.history)[1:] == [
        *["StepStarted", "StepFailed", "InvocationCompleted"] * 2,
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    failed = run.events("StepFailed")
    assert [f["StepFailedDetails"]["RetryDetails"] for f in failed] == [
        {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1},
        {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 1},
    ]
    assert failed[0]["StepFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == "not yet"
    assert run.events("StepSucceeded")[0]["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 3}


@pytest.mark.e2e
def test_failed_step_fails_the_execution(emulator: LocalEmulator) -> None:
    run = emulator.run("StepFails", timeout=20)
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorMessage"] == "it broke"
    assert kinds(run.history)[-3:] == ["StepFailed", "InvocationCompleted", "ExecutionFailed"]
    assert run.history[-1]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == "it broke"


@pytest.mark.e2e
def test_crashed_invocation_is_completed_with_exit_error_and_reinvoked(emulator: LocalEmulator) -> None:
    run = emulator.run("CrashOnce", {"key": str(uuid.uuid4())}, timeout=20)
    assert run.status == "SUCCEEDED"
    assert run.result == "recovered"
    crashed = run.events("InvocationCompleted")[0]["InvocationCompletedDetails"]
    assert crashed["Error"]["Payload"]["ErrorType"] == "Runtime.ExitError"
    assert "Error" not in run.events("InvocationCompleted")[1]["InvocationCompletedDetails"]
    assert len(run.logs) == 2


@pytest.mark.e2e
def test_repeated_crashes_fail_the_execution_with_the_last_error(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(max_failures=3, skip_time=True)
    run = emulator.run("CrashAlways", timeout=20)
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"] == "Runtime.ExitError"
    assert kinds(run.history) == ["ExecutionStarted", *["InvocationCompleted"] * 3, "ExecutionFailed"]


@pytest.mark.e2e
def test_execution_timeout_times_out(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(skip_time=True)
    run = emulator.run("Short", timeout=20)  # ExecutionTimeout 2 s, waits an hour
    assert run.status == "TIMED_OUT"
    assert kinds(run.history) == ["ExecutionStarted", "WaitStarted", "InvocationCompleted", "ExecutionTimedOut"]


@pytest.mark.e2e
def test_long_wait_on_skipping_clock_keeps_modelled_duration(make_emulator: EmulatorFactory) -> None:
    emulator = make_emulator(skip_time=True, time_scale=1)
    run = emulator.run("LongWait", timeout=10)
    assert run.status == "SUCCEEDED"
    assert run.events("WaitSucceeded")[0]["WaitSucceededDetails"] == {"Duration": 3600}
    started, woke = run.events("WaitStarted")[0], run.events("WaitSucceeded")[0]
    assert woke["EventTimestamp"] - started["EventTimestamp"] >= 3600


@pytest.mark.e2e
def test_large_state_is_paged_into_the_invocation(make_emulator: EmulatorFactory) -> None:
    # GIVEN an emulator that puts at most 2 operations in the invocation event
    emulator = make_emulator(page_size=2, skip_time=True)
    # WHEN the second invocation replays 4 operations (EXECUTION, two steps, a wait)
    run = emulator.run("StepWaitStep", timeout=20)
    # THEN the engine paged the rest in with GetDurableExecutionState and replayed it
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "fa-second"
    assert kinds(run.history).count("StepSucceeded") == 2
    second = emulator.invocation_events[-1]["InitialExecutionState"]  # type: ignore[attr-defined]
    assert len(second["Operations"]) == 2
    assert second["NextMarker"] == "2"
