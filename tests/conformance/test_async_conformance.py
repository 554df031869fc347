"""The async API passes the same conformance requirements as the sync one, through ``async def`` handlers.

The runner maps each requirement to one function by ``TestDescription`` (the sync one); here each
selected requirement is run against its async twin (tests/conformance/template.yaml ``AsyncConformance*Function``,
sam_app/conformance/async_handlers.py) with a map of its own, and must pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.conformance.requirements import load_requirements
from powertools_durable.local.conformance.runner import ConformanceRunner, RequirementMap
from powertools_durable.local.conformance.session import emulator_session

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = load_requirements(Path(__file__).parent / "requirements")
ASYNC_FUNCTIONS = {
    "1-1": "AsyncConformance1x1Function",
    "1-3": "AsyncConformance1x3Function",
    "1-8": "AsyncConformance1x8Function",
    "1-13": "AsyncConformance1x13Function",
    "2-1": "AsyncConformance2x1Function",
    "2-3": "AsyncConformance2x3Function",
    "4-1": "AsyncConformance4x1Function",
    "4-7": "AsyncConformance4x7Function",
    "3-1": "AsyncConformance3x1Function",
    "5-1": "AsyncConformance5x1Function",
    "6-1": "AsyncConformance6x1Function",
    "7-1": "AsyncConformance7x1Function",
    "8-1": "AsyncConformance8x1Function",
    "9-1": "AsyncConformance9x1Function",
}


@pytest.fixture(scope="module")
def runner() -> Iterator[ConformanceRunner]:
    with emulator_session(ROOT / "tests" / "conformance" / "template.yaml", timeout=60) as session:
        yield session


@pytest.mark.parametrize("requirement_id", list(ASYNC_FUNCTIONS))
def test_requirement_through_an_async_handler(runner: ConformanceRunner, requirement_id: str) -> None:
    # GIVEN a requirement the sync API passes, mapped to the async function answering it
    requirement = REQUIREMENTS[requirement_id]
    async_runner = ConformanceRunner(
        runner.client, RequirementMap({requirement_id: ASYNC_FUNCTIONS[requirement_id]}, {}), logs=runner.logs
    )
    # WHEN it runs on the emulator
    verdict = async_runner.run(requirement)
    # THEN it passes, as the sync function does
    assert verdict.outcome == "passed", f"{requirement_id} {verdict.outcome}: {verdict.detail}"


def test_an_async_function_answering_another_requirement_fails(runner: ConformanceRunner) -> None:
    # GIVEN requirement 2-3 (two waits) mapped to the async single-wait function
    wrong = ConformanceRunner(runner.client, RequirementMap({"2-3": "AsyncConformance2x1Function"}, {}))
    # WHEN judged / THEN its result is reported wrong: the async functions really are the ones run
    verdict = wrong.run(REQUIREMENTS["2-3"])
    assert verdict.outcome == "failed"
    assert "Result" in verdict.detail
