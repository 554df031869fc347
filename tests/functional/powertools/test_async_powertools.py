"""Async handlers under ``durable_handler``: Logger once per execution, Tracer per attempt, Metrics guard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from powertools_durable import Duration, StepContext, durable_handler
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import run_to_completion
from tests.functional.powertools.fakes import FakeTracerProvider
from tests.functional.powertools.test_durable_logger import EXPECTED, lines, messages, new_logger


@pytest.fixture
def provider() -> Iterator[FakeTracerProvider]:
    Tracer._reset_config()
    yield FakeTracerProvider()
    Tracer._reset_config()


def test_each_line_once_and_one_subsegment_per_executed_step(service, lambda_context, provider):
    # GIVEN the Logger test's three-invocation workflow written as async code, with a Logger and a Tracer
    logger, stream = new_logger()
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)

    def work(label: str) -> Any:
        async def run(step: StepContext) -> str:
            step.logger.info(f"running {label}")
            return label

        return run

    async def body(event: dict, context: AsyncDurableContext) -> str:
        logger.info("started")
        first = await context.step(work("a"), name="a")
        logger.info(f"after {first}")
        await context.wait(Duration.from_seconds(5))
        second = await context.step(work("b"), name="b")
        logger.info(f"after {second}")
        await context.wait(Duration.from_seconds(5))
        third = await context.step(work("c"), name="c")
        logger.info("finished")
        return first + second + third

    handler = durable_handler(body, logger=logger, tracer=tracer, service_client=service)

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN three invocations wrote each line once, with the durable keys (step lines: their operation's)
    assert [o["Status"] for o in run.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    assert messages(stream) == EXPECTED
    by_message = {line["message"]: line for line in lines(stream)}
    assert by_message["running b"]["operation_name"] == "b"
    assert by_message["running b"]["attempt"] == 1
    assert "operation_id" not in by_message["after b"]
    assert all(line["durable_execution_arn"] == service.durable_execution_arn for line in lines(stream))
    # AND the Tracer opened one subsegment per executed step, none for replays
    assert [s.name for s in provider.subsegments] == ["## a", "## b", "## c"]


def test_metrics_added_while_replaying_are_dropped(capsys, monkeypatch, service, lambda_context):
    # GIVEN an async workflow adding a metric before and after a wait, flushed after every invocation
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "DurableTests")
    metrics = Metrics(service="orders")
    metrics.clear_metrics()

    async def body(event: dict, context: AsyncDurableContext) -> str:
        metrics.add_metric(name="Started", unit=MetricUnit.Count, value=1)
        await context.step(lambda _: "a", name="a")
        await context.wait(Duration.from_seconds(5))
        metrics.add_metric(name="Done", unit=MetricUnit.Count, value=1)
        return "done"

    durable = durable_handler(body, metrics=metrics, service_client=service)

    def handler(event: Any, context: Any) -> Any:
        try:
            return durable(event, context)
        finally:
            metrics.flush_metrics()

    # WHEN it runs to its end (two invocations)
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN each metric was emitted once: "Started" was not added again while invocation 2 replayed
    assert run.result == "done"
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert sum('"Started"' in line for line in printed) == 1
    assert sum('"Done"' in line for line in printed) == 1
    metrics.clear_metrics()
