"""kill -9 of ``powertools-durable local start`` while executions wait; restarted on the same store, they finish."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.service.standin import client
from tests.e2e.service.subprocess_emulator import free_port as _free_port
from tests.e2e.service.subprocess_emulator import kill9 as _kill9
from tests.e2e.service.subprocess_emulator import start as _start

pytestmark = pytest.mark.e2e


def _kinds(lambda_client: Any, arn: str) -> list[str]:
    events = lambda_client.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=1000)["Events"]
    return [e["EventType"] for e in events]


def test_kill_9_mid_wait_then_restart_finishes_with_correct_histories(tmp_path: Path) -> None:
    # GIVEN an emulator subprocess on a store file, with three executions suspended in 3 s waits
    port, store, log = _free_port(), tmp_path / "store.sqlite3", tmp_path / "emulator.log"
    process = _start(port, store, log)
    lambda_client = client(f"http://127.0.0.1:{port}")
    try:
        arns = [
            lambda_client.invoke(
                FunctionName="WaitOnlyFunction", InvocationType="Event", Payload=json.dumps({"seconds": 3})
            )["DurableExecutionArn"]
            for _ in range(3)
        ]
        deadline = time.monotonic() + 30
        while not all("InvocationCompleted" in _kinds(lambda_client, arn) for arn in arns):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        # WHEN it is killed with SIGKILL and started again on the same store
        _kill9(process)
        process = _start(port, store, log)
        # THEN every execution finishes, each history unbroken
        deadline = time.monotonic() + 30
        for arn in arns:
            while lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            described = lambda_client.get_durable_execution(DurableExecutionArn=arn)
            assert described["Status"] == "SUCCEEDED"
            assert json.loads(described["Result"]) == {"waited_seconds": 3}
            history = lambda_client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
            assert [e["EventType"] for e in history] == [
                "ExecutionStarted",
                "WaitStarted",
                "InvocationCompleted",
                "WaitSucceeded",
                "InvocationCompleted",
                "ExecutionSucceeded",
            ]
            assert [e["EventId"] for e in history] == [1, 2, 3, 4, 5, 6]
            assert history[3]["WaitSucceededDetails"] == {"Duration": 3}
        assert "resumed 3 running execution(s)" in log.read_text()
    finally:
        _kill9(process)


def test_kill_9_mid_invocation_gives_exit_error_then_retries(tmp_path: Path) -> None:
    # GIVEN an execution whose invocation is running (its cold start) when the emulator is killed
    port, store, log = _free_port(), tmp_path / "store.sqlite3", tmp_path / "emulator.log"
    process = _start(port, store, log)
    lambda_client = client(f"http://127.0.0.1:{port}")
    try:
        arn = lambda_client.invoke(
            FunctionName="WaitOnlyFunction", InvocationType="Event", Payload=json.dumps({"seconds": 1})
        )["DurableExecutionArn"]
        _kill9(process)
        process = _start(port, store, log)
        deadline = time.monotonic() + 30
        while lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING":
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        history = lambda_client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        kinds = [e["EventType"] for e in history]
        assert kinds[-1] == "ExecutionSucceeded"
        lost = history[1]
        if lost["EventType"] == "InvocationCompleted":  # killed before the invocation checkpointed its wait
            assert lost["InvocationCompletedDetails"]["Error"]["Payload"]["ErrorType"] == "Runtime.ExitError"
    finally:
        _kill9(process)
