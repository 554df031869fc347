"""After ``kill -9`` of the emulator: honest bookkeeping on restart, and no worker process left behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.service.standin import client
from tests.e2e.service.subprocess_emulator import alive, children, free_port, kill9, sleepy_app, start

pytestmark = pytest.mark.e2e

WORKERS = 8  # WorkerPool's max_workers_per_function


def _events(lambda_client: Any, arn: str) -> list[dict[str, Any]]:
    return list(lambda_client.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=1000)["Events"])


def _exit_errors(events: list[dict[str, Any]]) -> int:
    return sum(
        1
        for e in events
        if e["EventType"] == "InvocationCompleted"
        and (e["InvocationCompletedDetails"].get("Error") or {}).get("Payload", {}).get("ErrorType")
        == "Runtime.ExitError"
    )


def _invoke(lambda_client: Any, count: int, *, seconds: int, running: Path) -> list[str]:
    payload = json.dumps({"seconds": seconds, "running": str(running)})
    return [
        lambda_client.invoke(FunctionName="Sleepy", InvocationType="Event", Payload=payload)["DurableExecutionArn"]
        for _ in range(count)
    ]


def test_only_invocations_that_had_a_worker_count_as_failed_after_a_crash(tmp_path: Path) -> None:
    # GIVEN 20 executions of a function whose step sleeps 2 s: 8 run in workers, 12 wait for one
    port, store, log = free_port(), tmp_path / "store.sqlite3", tmp_path / "emulator.log"
    template = sleepy_app(tmp_path)
    process = start(port, store, log, template)
    lambda_client = client(f"http://127.0.0.1:{port}")
    running = tmp_path / "running"
    running.mkdir()
    try:
        arns = _invoke(lambda_client, 20, seconds=2, running=running)
        deadline = time.monotonic() + 60
        while len(list(running.iterdir())) < WORKERS:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        # WHEN the emulator is killed with SIGKILL and started again on the same store
        kill9(process)
        process = start(port, store, log, template)
        # THEN every execution succeeds, and only the invocations that were running count as failed attempts
        deadline = time.monotonic() + 120
        for arn in arns:
            while lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"
        failed = [_exit_errors(_events(lambda_client, arn)) for arn in arns]
        assert 1 <= sum(failed) <= WORKERS, failed
        assert max(failed) == 1
    finally:
        kill9(process)


def test_worker_processes_end_with_the_emulator(tmp_path: Path) -> None:
    # GIVEN an emulator whose three workers are each in the middle of a 60 s step
    port, store, log = free_port(), tmp_path / "store.sqlite3", tmp_path / "emulator.log"
    process = start(port, store, log, sleepy_app(tmp_path))
    lambda_client = client(f"http://127.0.0.1:{port}")
    running = tmp_path / "running"
    running.mkdir()
    try:
        _invoke(lambda_client, 3, seconds=60, running=running)
        deadline = time.monotonic() + 60
        while len(list(running.iterdir())) < 3:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        workers = children(process.pid)
        assert len(workers) == 3
        # WHEN only the emulator process is killed with SIGKILL (not its process group)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        # THEN its workers are gone soon after (polled, bounded), not when their steps end
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers):
            assert time.monotonic() < deadline, [pid for pid in workers if alive(pid)]
            time.sleep(0.05)
    finally:
        leftovers = children(process.pid)
        if process.poll() is None:
            kill9(process)  # the test failed before its kill: never leave an emulator behind
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
