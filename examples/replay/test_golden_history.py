"""Golden-history tests: the code in the working tree must replay the executions already recorded."""

from pathlib import Path

from powertools_durable import DurableContext, Duration, StepContext, durable_execution, durable_step
from powertools_durable.tools.replay import assert_replays, replay

# recorded with: powertools-durable local history "$ARN" --json > greeting.json
HISTORY = Path(__file__).parent / "greeting.json"


@durable_step
def greet(step: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_step
def shout(step: StepContext, greeting: str) -> str:
    return greeting.upper()


@durable_execution  # in a real project: from orders.app import handler
def handler(event: dict, context: DurableContext) -> dict:
    greeting = context.step(greet(event.get("name", "World")))
    context.wait(Duration.from_seconds(2), name="pause")
    return {"greeting": greeting, "shouted": context.step(shout(greeting))}


def test_the_code_replays_the_recorded_execution() -> None:
    assert_replays(HISTORY, handler)  # fails with the first divergence: position, operation, recorded vs asked


def test_the_report_can_be_inspected() -> None:
    report = replay(HISTORY, handler)
    assert report.clean, report
    assert "ended SUCCEEDED as recorded" in report.summary
