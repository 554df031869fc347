"""kill -9 of ``powertools-durable local start`` while executions wait; restarted on the same store, they finish."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from tests.e2e.service.standin import client

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
CLI = [str(Path(sys.executable).parent / "powertools-durable")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(port: int, store: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [*CLI, "local", "start", "--template", str(ROOT / "template.yaml"), "--port", str(port)]
    command += ["--store", str(store), "--time-scale", "1"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    lambda_client = client(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            lambda_client.get_function_configuration(FunctionName="WaitOnlyFunction")
            return process
        except (BotoCoreError, ClientError):
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
    raise AssertionError(f"the emulator did not start: {log.read_text()}")


def _kill9(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)  # the emulator and its worker processes, like a machine crash
    process.wait(timeout=10)


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
