"""Metrics without the option: add them inside steps, whose bodies run only when the step executes."""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step

metrics = Metrics(namespace="Orders", service="orders")


@durable_step
def charge(step: StepContext, amount: int) -> int:
    metrics.add_metric(name="AmountCharged", unit=MetricUnit.Count, value=amount)  # once per attempt
    return amount


@metrics.log_metrics
@durable_handler
def handler(event: dict, context: DurableContext) -> int:
    first = context.step(charge(event["deposit"]))
    context.wait(Duration.from_days(7))
    return first + context.step(charge(event["balance"]))
