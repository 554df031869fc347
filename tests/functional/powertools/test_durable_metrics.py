"""Metrics: a metric added by workflow code is emitted once per execution, not once per invocation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step
from powertools_durable.local.memory import run_to_completion
from powertools_durable.powertools.metrics import guard_replayed_metrics


@pytest.fixture
def metrics(monkeypatch) -> Iterator[Metrics]:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "DurableTests")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "orders")
    instance = Metrics()
    instance.clear_metrics()  # Powertools shares the metric set between instances
    yield instance
    instance.clear_metrics()


def emitted(capsys) -> list[dict[str, Any]]:
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [blob for blob in printed if "_aws" in blob]


def total(blobs: list[dict[str, Any]], name: str) -> float:
    values = [blob[name] for blob in blobs if name in blob]
    return sum(sum(v) if isinstance(v, list) else v for v in values)


def workflow(metrics: Metrics):
    def body(event: dict, context: DurableContext) -> str:
        metrics.add_dimension(name="flow", value="orders")
        metrics.add_metric(name="OrdersStarted", unit=MetricUnit.Count, value=1)
        context.step(lambda _: "a", name="a")
        context.wait(Duration.from_seconds(5))
        metrics.add_metric(name="OrdersHalfway", unit=MetricUnit.Count, value=1)
        context.step(lambda _: "b", name="b")
        context.wait(Duration.from_seconds(5))
        metrics.add_metric(name="OrdersDone", unit=MetricUnit.Count, value=1)
        return "done"

    return body


@pytest.mark.parametrize("durable_outermost", [False, True], ids=["log-metrics-outside", "durable-outside"])
def test_workflow_metrics_emitted_once_across_three_invocations(
    capsys, metrics, service, lambda_context, durable_outermost
):
    # GIVEN a three-invocation workflow adding metrics outside steps, with log_metrics in either order
    body = workflow(metrics)
    if durable_outermost:
        handler = durable_handler(metrics.log_metrics(body), metrics=metrics, service_client=service)
    else:
        handler = metrics.log_metrics(durable_handler(body, metrics=metrics, service_client=service))

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN each metric was emitted once, in the invocation that first reached it
    assert len(run.outputs) == 3
    blobs = emitted(capsys)
    assert len(blobs) == 3  # one flush per invocation
    assert [total(blobs, "OrdersStarted"), total(blobs, "OrdersHalfway"), total(blobs, "OrdersDone")] == [1, 1, 1]
    assert ["OrdersStarted" in blobs[0], "OrdersHalfway" in blobs[1], "OrdersDone" in blobs[2]] == [True] * 3
    # AND the dimension added by replayed code still applies to every blob
    assert all(blob["flow"] == "orders" for blob in blobs)


def test_without_the_option_replayed_metrics_are_emitted_again(capsys, metrics, service, lambda_context):
    # GIVEN the same workflow with log_metrics but no metrics= option
    handler = metrics.log_metrics(durable_handler(workflow(metrics), service_client=service))

    # WHEN it runs to its end
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN the first metric was re-emitted by each invocation (why the option exists)
    assert total(emitted(capsys), "OrdersStarted") == 3


def test_metrics_added_inside_steps_need_no_option(capsys, metrics, service, lambda_context):
    # GIVEN metrics added inside step bodies only, without metrics=
    @durable_step
    def charge(step: StepContext, amount: int) -> int:
        metrics.add_metric(name="Charged", unit=MetricUnit.Count, value=amount)
        return amount

    def body(event: dict, context: DurableContext) -> int:
        first = context.step(charge(2))
        context.wait(Duration.from_seconds(5))
        return first + context.step(charge(3))

    handler = metrics.log_metrics(durable_handler(body, service_client=service))

    # WHEN it runs to its end
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN each step's metric was emitted once: a replayed step runs no code
    assert total(emitted(capsys), "Charged") == 5


def test_guard_is_idempotent_and_inert_outside_an_execution(metrics):
    # GIVEN a metrics instance guarded twice
    guard_replayed_metrics(metrics)
    guarded = metrics.provider.add_metric
    guard_replayed_metrics(metrics)

    # WHEN a metric is added outside any durable handler
    metrics.add_metric(name="Outside", unit=MetricUnit.Count, value=1)

    # THEN the guard was not stacked and the metric was kept
    assert metrics.provider.add_metric is guarded
    assert "Outside" in metrics.metric_set


def test_metrics_added_in_map_iterations_are_emitted_once(capsys, metrics, service, lambda_context):
    # GIVEN map iterations adding a metric outside any step, one of them waiting (so the map replays)
    def iteration(ctx: DurableContext, item: int, index: int, items: Any) -> int:
        metrics.add_metric(name="ItemSeen", unit=MetricUnit.Count, value=1)
        if index == 0:
            ctx.wait(Duration.from_seconds(5))
        return item

    def body(event: dict, context: DurableContext) -> list[int]:
        return context.map([1, 2, 3], iteration).get_results()

    handler = metrics.log_metrics(durable_handler(body, metrics=metrics, service_client=service))

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN each iteration's metric counted once: the replayed iterations' code was guarded in their threads
    assert len(run.outputs) == 2
    assert total(emitted(capsys), "ItemSeen") == 3
