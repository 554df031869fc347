"""Our Powertools plugins on AWS's official SDK: ``durable_execution(plugins=powertools_plugins(...))`` there too.

The handlers below are written against the official SDK and run by it (over the in-memory service,
through its boto3-shaped adapter); only the plugins are ours.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics, Tracer

from powertools_durable.local.memory import InMemoryDurableService, RunResult, run_to_completion
from powertools_durable.powertools import LoggerPlugin, powertools_plugins
from tests.functional.official import Boto3Shaped
from tests.functional.powertools.fakes import FakeTracerProvider

official = pytest.importorskip("aws_durable_execution_sdk_python", reason="the bench extra installs the official SDK")
from aws_durable_execution_sdk_python.config import Duration, StepConfig  # noqa: E402
from aws_durable_execution_sdk_python.retries import RetryDecision  # noqa: E402


def run_official(body: Any, plugins: list[Any], service: InMemoryDurableService, event: Any = None) -> RunResult:
    handler = official.durable_execution(body, boto3_client=Boto3Shaped(service), plugins=plugins)
    return run_to_completion(handler, event or {}, service=service)


@pytest.fixture
def logger() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    return Logger(service=f"svc-{uuid.uuid4().hex[:8]}", stream=stream), stream


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_logger_plugin_logs_each_line_once_per_execution_on_the_official_sdk(logger, service):
    # GIVEN a handler on the official SDK: lines before, inside and after steps, a wait, and a retried step
    log, stream = logger
    attempts: list[int] = []

    def flaky(step_context: Any) -> str:
        attempts.append(1)
        log.info("flaky attempt")
        if len(attempts) == 1:
            raise RuntimeError("transient")
        return "b"

    retry = StepConfig(retry_strategy=lambda error, attempt: RetryDecision.retry(Duration.from_seconds(1)))

    def body(event: Any, context: Any) -> str:
        log.info("start")
        first = context.step(lambda step_context: log.info("in first") or "a", name="first")
        log.info("after first")
        context.wait(Duration.from_seconds(2), name="pause")
        log.info("after wait")
        second = context.step(flaky, name="flaky", config=retry)
        log.info("done")
        return first + second

    # WHEN it runs to its end over three invocations, with our Logger plugin
    run = run_official(body, [LoggerPlugin(log)], service)

    # THEN each line was written once, although the handler ran three times
    assert run.result == "ab"
    assert len(run.outputs) == 3
    messages = [r["message"] for r in records(stream)]
    assert messages == ["start", "in first", "after first", "after wait", "flaky attempt", "flaky attempt", "done"]
    # AND every record carries the execution ARN; a step's records its operation's keys and attempt
    assert {r["durable_execution_arn"] for r in records(stream)} == {service.durable_execution_arn}
    in_step = [r for r in records(stream) if r["message"] in ("in first", "flaky attempt")]
    assert [(r["operation_name"], r["attempt"]) for r in in_step] == [("first", 1), ("flaky", 1), ("flaky", 2)]
    assert all("operation_id" not in r for r in records(stream) if r["message"] in ("start", "done"))


@pytest.fixture
def provider() -> Iterator[FakeTracerProvider]:
    Tracer._reset_config()
    yield FakeTracerProvider()
    Tracer._reset_config()


def test_the_tracer_and_metrics_plugins_on_the_official_sdk(provider, service, monkeypatch):
    # GIVEN a Tracer and Metrics, a handler on the official SDK adding a metric outside any step
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "orders")
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)
    metrics = Metrics(service=f"svc-{uuid.uuid4().hex[:8]}")
    values: list[int] = []

    def body(event: Any, context: Any) -> str:
        metrics.add_metric(name="Started", unit="Count", value=1)
        values.append(len(metrics.metric_set["Started"]["Value"]))
        first = context.step(lambda step_context: "a", name="first")
        context.wait(Duration.from_seconds(2))
        return first + context.step(lambda step_context: "b", name="second")

    # WHEN it runs to its end with our plugins
    run = run_official(body, powertools_plugins(tracer=tracer, metrics=metrics), service)
    metrics.clear_metrics()

    # THEN one subsegment per executed step, annotated; the error object or value as on our SDK's
    assert run.result == "ab"
    assert [s.name for s in provider.subsegments] == ["## first", "## second"]
    assert all(s.annotations["DurableExecutionArn"] == service.durable_execution_arn for s in provider.subsegments)
    assert [s.annotations["Attempt"] for s in provider.subsegments] == [1, 1]
    # AND the metric added again while replaying was dropped: still one value after the second invocation
    assert values == [1, 1]


def test_the_docs_example_runs_on_the_official_sdk(service, monkeypatch):
    # GIVEN the docs' example (examples/migrating/official_sdk_plugins.py), its logger writing to a buffer
    from tests.functional.test_examples import load

    # its own service name: Logger() of the default service would share its handler with other tests' loggers
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"example-{uuid.uuid4().hex[:8]}")
    example = load("migrating/official_sdk_plugins.py")
    stream = io.StringIO()
    for handler in example.logger._logger.handlers:
        monkeypatch.setattr(handler, "stream", stream)

    # WHEN its handler runs on the official SDK, with the example's plugins, to its end
    run = run_official(example.handler.__wrapped__, example.plugins, service, {"order_id": "o-1"})

    # THEN it succeeded over two invocations and each line was written once
    assert run.result == {"reserved": "o-1"}
    assert len(run.outputs) == 2
    assert [r["message"] for r in records(stream)] == ["order received", "order confirmed"]
