"""A user's pytest file answers a human-approval callback through the ``durable_emulator`` fixture.

The example project (examples/approval) waits an hour (skipped), opens a callback with a 2-day
timeout, and charges once approved. Its tests answer it (success), reject it (failure) and leave
it unanswered (the 2-day timeout fires as soon as the test waits for the result): all through
the real emulator and worker processes, in a pytest run of the project itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.service.projects import run_users_pytest

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "approval"


def test_users_tests_answer_a_callback_success_failure_and_timeout(tmp_path: Path) -> None:
    # GIVEN the approval project: a template, the workflow and a pytest file answering its callback
    project = tmp_path / "approval"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    # WHEN the user runs pytest in it
    completed = run_users_pytest(project)
    # THEN the three tests pass: answered, rejected, and timed out at once after two modelled days
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 passed" in completed.stdout


LEFT_UNANSWERED = """\
def test_starts_and_leaves_its_callback_unanswered(durable_emulator):
    arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-9"})
    durable_emulator.wait_for_callback(arn, name="approval")


def test_the_next_test_still_skips_time(durable_emulator):
    run = durable_emulator.run("ApprovalFunction", {"order": "o-10"}, timeout=60)
    assert run.result["reason"].startswith("CallbackTimeoutError")
"""


def test_a_callback_left_unanswered_does_not_hold_the_next_tests(tmp_path: Path) -> None:
    # GIVEN a test that opens a callback and ends without answering it or waiting for the result,
    # and a next test whose own callback (unanswered, two days) must time out at once
    project = tmp_path / "approval"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    (project / "tests").mkdir()
    (project / "tests" / "test_left.py").write_text(LEFT_UNANSWERED)
    # WHEN both run in one session (the fixture is shared)
    completed = run_users_pytest(project)
    # THEN the second passes: the first test's callback stopped holding the clock when it ended
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout
