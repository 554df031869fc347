"""AWS's conformance requirements, judged on the emulator running the conformance stack's template.

Every requirement in ``requirements/`` is either answered by a function whose
``TestingMetadata.TestDescription`` names it (the test asserts it passes) or declared in some
function's ``TestingMetadata.NotImplemented`` with a reason (an expected failure carrying that
reason). A requirement that is neither fails: gaps are declared, never silently skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.conformance.requirements import Requirement, load_requirements
from powertools_durable.local.conformance.runner import ConformanceRunner, RequirementMap
from powertools_durable.local.conformance.session import emulator_session

TEMPLATE = Path(__file__).resolve().parent / "template.yaml"  # the conformance stack
REQUIREMENTS = load_requirements(Path(__file__).parent / "requirements")


@pytest.fixture(scope="module")
def runner() -> Iterator[ConformanceRunner]:
    with emulator_session(TEMPLATE, timeout=60) as session:
        yield session


@pytest.mark.parametrize("requirement_id", list(REQUIREMENTS))
def test_requirement(runner: ConformanceRunner, requirement_id: str) -> None:
    # GIVEN a requirement / WHEN its mapped function runs on the emulator
    verdict = runner.run(REQUIREMENTS[requirement_id])
    # THEN it passes, or is openly declared not implemented
    if verdict.outcome == "not implemented":
        pytest.xfail(f"declared NotImplemented: {verdict.detail}")
    assert verdict.outcome == "passed", f"{requirement_id} {verdict.outcome}: {verdict.detail}"


def _run_against(runner: ConformanceRunner, requirement: Requirement, function: str) -> str:
    wrong = ConformanceRunner(runner.client, RequirementMap({requirement.id: function}, {}), logs=runner.logs)
    verdict = wrong.run(requirement)
    assert verdict.outcome == "failed", verdict
    return verdict.detail


def test_runner_fails_on_a_wrong_history(runner: ConformanceRunner) -> None:
    # GIVEN requirement 1-12 (four attempts, three retries) answered by a function that fails once without retry
    # WHEN judged / THEN the first history mismatch is reported
    detail = _run_against(runner, REQUIREMENTS["1-12"], "Conformance1x19Function")
    assert "EventId 3, StepFailed" in detail
    assert "RetryDetails" in detail


def test_runner_fails_on_a_wrong_result(runner: ConformanceRunner) -> None:
    # GIVEN requirement 2-3 (two waits returning {"completedWaits": 2}) answered by a single-wait function
    # WHEN judged / THEN the result mismatch is reported
    assert "Result" in _run_against(runner, REQUIREMENTS["2-3"], "Conformance2x1Function")


def test_runner_fails_on_missing_logs(runner: ConformanceRunner) -> None:
    # GIVEN requirement 1-7 (two step-logger lines) answered by a step that logs nothing
    # WHEN judged / THEN the log expectation is reported
    assert "ExpectedLogs" in _run_against(runner, REQUIREMENTS["1-7"], "Conformance1x1Function")


def test_runner_reports_unmapped_and_declared(runner: ConformanceRunner) -> None:
    # GIVEN a map that names nothing, and one that declares a gap
    requirement = REQUIREMENTS["1-1"]
    unmapped = ConformanceRunner(runner.client, RequirementMap({}, {}))
    declared = ConformanceRunner(runner.client, RequirementMap({}, {"1-1": "not yet"}))
    # WHEN run / THEN each says so without invoking anything
    assert unmapped.run(requirement).outcome == "unmapped"
    assert (declared.run(requirement).outcome, declared.run(requirement).detail) == ("not implemented", "not yet")
