"""Metrics: a metric added by workflow code is emitted once per execution."""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from powertools_durable import DurableContext, Duration, durable_handler

metrics = Metrics(namespace="Orders", service="orders")


@metrics.log_metrics  # flushes at the end of every invocation
@durable_handler(metrics=metrics)  # drops the metrics added while the workflow replays
def handler(event: dict, context: DurableContext) -> str:
    metrics.add_metric(name="OrderStarted", unit=MetricUnit.Count, value=1)  # emitted once, not per invocation
    context.step(lambda _: "reserved", name="reserve")
    context.wait(Duration.from_minutes(5))
    metrics.add_metric(name="OrderConfirmed", unit=MetricUnit.Count, value=1)
    return "confirmed"
