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
