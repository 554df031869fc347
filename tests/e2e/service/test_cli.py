"""The client commands of ``powertools-durable local`` against a running emulator."""

from __future__ import annotations

import json
import uuid

import pytest

from powertools_durable.local.cli import main
from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e


def test_invoke_wait_prints_result_and_timeline(emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["local", "invoke", "StepWaitStep", "--input", '{"a": 1}', "--wait", "--endpoint", emulator.endpoint_url]
    )
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("arn:aws:lambda:")
    assert "status: SUCCEEDED" in out
    assert 'result: "fa-second"' in out
    assert "StepSucceeded" in out
    assert 'first attempt 1 -> "fa"' in out
    assert "WaitSucceeded          pause after 1s" in out
    assert "| invocation " in out  # each invocation's captured output


def test_history_timeline_json_and_executions(emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    run = emulator.run("RetrySucceeds", {"key": str(uuid.uuid4())})
    assert main(["local", "history", run.arn, "--endpoint", emulator.endpoint_url]) == 0
    timeline = capsys.readouterr().out
    assert "StepFailed" in timeline
    assert "flaky attempt 1 ValueError: not yet, retry in 1s" in timeline
    assert 'flaky attempt 3 -> "finally"' in timeline
    assert main(["local", "history", run.arn, "--json", "--endpoint", emulator.endpoint_url]) == 0
    events = json.loads(capsys.readouterr().out)["Events"]
    assert [e["EventId"] for e in events] == list(range(1, len(run.history) + 1))
    assert main(["local", "executions", "RetrySucceeds", "--endpoint", emulator.endpoint_url]) == 0
    assert run.arn in capsys.readouterr().out
    assert main(["local", "executions", "--endpoint", emulator.endpoint_url]) == 0
    assert run.arn in capsys.readouterr().out


def test_unknown_function_is_one_clear_line(emulator: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local", "invoke", "Nope", "--endpoint", emulator.endpoint_url]) == 1
    err = capsys.readouterr().err
    assert "no function 'Nope' in the emulator's template: its functions: " in err
    assert ", Blocks, CrashAlways, " in err  # the list, sorted
    assert len(err.strip().splitlines()) == 1
