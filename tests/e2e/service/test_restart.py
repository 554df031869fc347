"""An emulator stopped mid-execution resumes on the same store: timers re-armed, lost invocations retried."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.store import Commit, SQLiteStore
from tests.e2e.service import handlers
from tests.e2e.service.conftest import EmulatorFactory

pytestmark = pytest.mark.e2e


def _until(condition: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)


def test_waiting_execution_finishes_after_restart(make_emulator: EmulatorFactory, tmp_path: Path) -> None:
    # GIVEN an execution suspended in its wait when the emulator stops
    store = tmp_path / "store.sqlite3"
    first = make_emulator(store=store, time_scale=1)
    arn = first.invoke("StepWaitStep", {"n": 1})
    _until(lambda: "InvocationCompleted" in [e["EventType"] for e in first.history(arn)])
    first.close()
    # WHEN a new emulator opens the same store
    second: LocalEmulator = make_emulator(store=store, time_scale=1)
    # THEN the execution finishes with one unbroken history
    run = second.wait(arn, 10)
    assert second.recovered == 1
    assert run.status == "SUCCEEDED"
    assert run.result == "fa-second"
    assert [e["EventType"] for e in run.history] == [
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
    assert [e["EventId"] for e in run.history] == list(range(1, 11))


def test_invocation_in_flight_at_stop_is_completed_with_exit_error_and_retried(
    make_emulator: EmulatorFactory, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite3"
    handlers.release.clear()
    first = make_emulator(store=store, time_scale=1)
    arn = first.invoke("Blocks")
    _until(lambda: len(first.history(arn)) >= 3)  # its step is checkpointed; the handler is blocked
    first.close()
    handlers.release.set()
    second = make_emulator(store=store, time_scale=1)
    run = second.wait(arn, 10)
    assert run.status == "SUCCEEDED"
    completed = run.events("InvocationCompleted")
    assert completed[0]["InvocationCompletedDetails"]["Error"]["Payload"]["ErrorType"] == "Runtime.ExitError"
    assert [e["EventType"] for e in run.history] == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_executions_past_their_retention_are_purged_at_start(make_emulator: EmulatorFactory, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite3"
    first = make_emulator(store=store, time_scale=1)
    old = first.run("Echo", "old").arn
    running = first.invoke("LongWait")
    first.close()
    # the ended execution ended 15 days ago (retention 14 days): purged at start; the running one stays
    aged = SQLiteStore(store)
    record = aged.get(old)
    assert record is not None
    record.end_ms = (record.end_ms or 0) - 15 * 86_400_000
    aged.commit(Commit(record))
    aged.close()
    third = make_emulator(store=store, time_scale=1)
    assert third.store.get(old) is None
    assert third.store.get(running) is not None
