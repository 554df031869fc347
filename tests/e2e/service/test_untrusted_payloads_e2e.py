"""Hostile answers through the running emulator: a callback answer and an invoke result naming
``subprocess.Popen`` fail the execution with a ``SerDesError``; the command never runs.

The repository's ``template.yaml`` is served with worker processes (as Lambda runs functions); the
answers travel through the AWS API with boto3 (SendDurableExecutionCallbackSuccess, and a real
chained invoke of the echo function, which returns what it is given).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


@pytest.fixture(scope="module")
def sam_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(TEMPLATE, time_scale=20) as emulator:
        yield emulator


def popen_envelope(marker: Path) -> dict[str, Any]:
    """The official-looking dataclass envelope that, decoded naively, runs ``touch <marker>``."""
    argv = {"t": "l", "v": [{"t": "s", "v": "touch"}, {"t": "s", "v": str(marker)}]}
    return {"t": "dc", "v": {"c": "subprocess:Popen", "d": {"args": argv}}}


def _callback_id(lambda_client: Any, arn: str) -> str:
    """The id of the callback the execution suspended on, from GetDurableExecutionHistory."""
    deadline = time.monotonic() + 60
    while True:
        events = lambda_client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        kinds = [e["EventType"] for e in events]
        if "CallbackStarted" in kinds and "InvocationCompleted" in kinds:
            started = next(e for e in events if e["EventType"] == "CallbackStarted")
            return str(started["CallbackStartedDetails"]["CallbackId"])
        assert time.monotonic() < deadline, kinds  # a safety net for a hung run, not a timing assertion
        time.sleep(0.05)


def _assert_refused(sam_emulator: LocalEmulator, lambda_client: Any, arn: str, marker: Path) -> None:
    ended = sam_emulator.wait(arn, timeout=120)
    described = lambda_client.get_durable_execution(DurableExecutionArn=arn)
    # the execution FAILED cleanly: a SerDesError naming the type, not a crashed worker
    assert described["Status"] == "FAILED", described
    error = described["Error"]
    assert error["ErrorType"].endswith("SerDesError"), error
    assert "'subprocess:Popen'" in error["ErrorMessage"]
    assert "allowed_types" in error["ErrorMessage"]
    kinds = [e["EventType"] for e in ended.history]
    assert kinds[-1] == "ExecutionFailed"
    assert not [e for e in ended.history if "Runtime.ExitError" in json.dumps(e)]
    # and the command never ran
    assert not marker.exists()


def test_hostile_callback_answer_is_refused(sam_emulator: LocalEmulator, tmp_path: Path) -> None:
    # GIVEN an execution suspended on a callback read with ExtendedTypeSerDes
    lambda_client = sam_emulator.client()
    marker = tmp_path / "callback-pwned"
    arn = lambda_client.invoke(FunctionName="UntrustedCallbackFunction", InvocationType="Event", Payload=b"{}")[
        "DurableExecutionArn"
    ]
    callback_id = _callback_id(lambda_client, arn)

    # WHEN whoever holds the callback id answers with an envelope naming subprocess.Popen
    lambda_client.send_durable_execution_callback_success(
        CallbackId=callback_id, Result=json.dumps(popen_envelope(marker)).encode()
    )

    # THEN the execution fails with a SerDesError naming the type, and no file was touched
    _assert_refused(sam_emulator, lambda_client, arn, marker)


def test_hostile_invoke_result_is_refused(sam_emulator: LocalEmulator, tmp_path: Path) -> None:
    # GIVEN an execution invoking a function that returns an envelope naming subprocess.Popen
    lambda_client = sam_emulator.client()
    marker = tmp_path / "invoke-pwned"
    payload = json.dumps({"returns": popen_envelope(marker)})

    # WHEN it runs (the invoked function really runs and returns the envelope as its result)
    arn = lambda_client.invoke(FunctionName="UntrustedInvokeFunction", InvocationType="Event", Payload=payload)[
        "DurableExecutionArn"
    ]

    # THEN the chained invoke succeeded, the caller fails reading its result, and no file was touched
    _assert_refused(sam_emulator, lambda_client, arn, marker)
    history = sam_emulator.history(arn)
    assert [e["EventType"] for e in history if e["EventType"].startswith("ChainedInvoke")] == [
        "ChainedInvokeStarted",
        "ChainedInvokeSucceeded",
    ]
