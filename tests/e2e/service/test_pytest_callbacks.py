"""A user's pytest file answers a human-approval callback through the ``durable_emulator`` fixture.

The workflow waits an hour (skipped), opens a callback with a 2-day timeout, and charges once
approved. The user's tests answer it (success), reject it (failure) and leave it unanswered (the
2-day timeout fires as soon as the test waits for the result): all through the real emulator,
in a pytest run of their own project.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  ApprovalFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: approval/
      Handler: app.handler
      Runtime: python3.13
      Timeout: 30
      DurableConfig: {ExecutionTimeout: 604800}
"""

APP = """\
from powertools_durable import CallbackConfig, CallbackError, DurableContext, Duration, durable_handler


@durable_handler
def handler(event: dict, context: DurableContext) -> dict:
    context.wait(Duration.from_hours(1), name="settle")
    callback = context.create_callback(name="approval", config=CallbackConfig(timeout=Duration.from_days(2)))
    context.step(lambda _: callback.callback_id, name="notify")
    try:
        answer = callback.result()
    except CallbackError as exc:
        return {"approved": False, "reason": f"{type(exc).__name__}: {exc}"}
    charged = context.step(lambda _: {"charged": event["order"]}, name="charge")
    return {"approved": answer, **charged}
"""

TESTS = """\
def test_approved(durable_emulator):
    arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-1"})
    callback_id = durable_emulator.wait_for_callback(arn, name="approval", timeout=30)
    durable_emulator.send_callback_heartbeat(callback_id)
    durable_emulator.send_callback_success(callback_id, result=b"yes")
    run = durable_emulator.wait_for_result(arn, timeout=30)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"approved": "yes", "charged": "o-1"}
    assert run.operation("approval").status == "SUCCEEDED"
    assert run.operation("charge").result == {"charged": "o-1"}
    assert run.operation("charge").attempts == 1
    assert run.operation("settle").status == "SUCCEEDED"


def test_rejected(durable_emulator):
    arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-2"})
    callback_id = durable_emulator.wait_for_callback(arn, timeout=30)
    durable_emulator.send_callback_failure(callback_id, error=ValueError("over budget"))
    run = durable_emulator.wait_for_result(arn, timeout=30)
    assert run.result == {"approved": False, "reason": "CallbackExternalError: over budget"}
    assert run.operation("approval").error["ErrorType"] == "ValueError"
    assert [e["EventType"] for e in run.history].count("CallbackFailed") == 1


def test_unanswered_times_out_once_the_test_waits(durable_emulator):
    arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-3"})
    durable_emulator.wait_for_callback(arn, name="approval", timeout=30)
    run = durable_emulator.wait_for_result(arn, timeout=30)
    assert run.status == "SUCCEEDED", run.error
    assert run.result["approved"] is False
    assert run.result["reason"].startswith("CallbackTimeoutError")
    assert run.operation("approval").status == "TIMED_OUT"
    started, timed_out = run.events("CallbackStarted")[0], run.events("CallbackTimedOut")[0]
    assert timed_out["EventTimestamp"] - started["EventTimestamp"] >= 2 * 86400  # modelled seconds
"""


def test_users_tests_answer_a_callback_success_failure_and_timeout(tmp_path: Path) -> None:
    # GIVEN a user's project: a template, an approval workflow and a pytest file answering its callback
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "approval").mkdir()
    (tmp_path / "approval" / "app.py").write_text(APP)
    (tmp_path / "test_approval.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    # WHEN the user runs pytest
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_approval.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # THEN the three tests pass: answered, rejected, and timed out at once after two modelled days
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 passed" in completed.stdout
