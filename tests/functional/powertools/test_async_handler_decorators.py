"""Powertools' handler decorators with ``async def`` durable handlers.

``inject_lambda_context``, ``capture_lambda_handler`` and ``log_metrics`` are synchronous wrappers.
Above ``durable_handler`` (the documented stacking) they wrap a synchronous Lambda handler that runs
the async handler to its end: they work as with sync handlers. Between ``durable_handler`` and an
``async def`` they would only see the coroutine being created (a subsegment closed and metrics
flushed before the body ran): that is refused with an error naming the fix.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from powertools_durable import Duration, StepContext, durable_handler
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.powertools.fakes import FakeTracerProvider
from tests.functional.powertools.test_durable_logger import lines, messages, new_logger


@pytest.fixture
def provider() -> Iterator[FakeTracerProvider]:
    Tracer._reset_config()
    yield FakeTracerProvider()
    Tracer._reset_config()


def test_the_documented_stacking_wraps_an_async_handler(capsys, monkeypatch, service, lambda_context, provider):
    # GIVEN an async handler under inject_lambda_context, capture_lambda_handler and log_metrics, in the
    # documented order (above durable_handler, which gets the same logger, tracer and metrics)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "DurableTests")
    logger, stream = new_logger()
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)
    metrics = Metrics(service="orders")
    metrics.clear_metrics()

    async def reserve(step: StepContext) -> str:
        step.logger.info("reserving")
        return "r-1"

    async def orders(event: dict, context: AsyncDurableContext) -> str:
        logger.info("start")
        metrics.add_metric(name="OrdersStarted", unit=MetricUnit.Count, value=1)
        booking = await context.step(reserve, name="reserve")
        await context.wait(Duration.from_seconds(5))
        logger.info("confirmed")
        return booking

    handler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(
            metrics.log_metrics(
                durable_handler(orders, logger=logger, tracer=tracer, metrics=metrics, service_client=service)
            )
        )
    )

    # WHEN it runs to its end (two invocations)
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN each line once, with the Lambda context's keys; one handler subsegment per invocation and one
    # for the executed step; the metric emitted once (flushed after the invocation that added it)
    assert run.result == "r-1"
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]
    assert messages(stream) == ["start", "reserving", "confirmed"]
    assert all(line["function_request_id"] == lambda_context.aws_request_id for line in lines(stream))
    names = [s.name for s in provider.subsegments]
    assert names.count("## orders") == 2
    assert [n for n in names if n != "## orders"] == ["## reserve"]
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert sum('"OrdersStarted"' in line for line in printed) == 1
    metrics.clear_metrics()


@pytest.mark.parametrize("decorator", ["inject_lambda_context", "capture_lambda_handler", "log_metrics"])
def test_a_powertools_decorator_between_durable_handler_and_an_async_def_is_refused_by_name(
    monkeypatch, service: InMemoryDurableService, lambda_context, provider, decorator: str
):
    # GIVEN a Powertools handler decorator put directly on the async def, under durable_handler
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "DurableTests")
    logger, _ = new_logger()
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)
    metrics = Metrics(service="orders")
    ran: list[str] = []

    async def orders(event: dict, context: AsyncDurableContext) -> str:
        ran.append("body")
        return await context.step(lambda _: "r-1", name="reserve")

    wrap: Any = {
        "inject_lambda_context": logger.inject_lambda_context,
        "capture_lambda_handler": tracer.capture_lambda_handler,
        "log_metrics": metrics.log_metrics,
    }[decorator]
    handler = durable_handler(wrap(orders), service_client=service)

    # WHEN it runs
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the coroutine is closed, not left "never awaited"
        run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN the execution failed with an error that names the problem and the fix, and the body never ran
    assert run.status == "FAILED"
    assert run.error is not None
    assert "async def wrapped by a synchronous decorator" in run.error["ErrorMessage"]
    assert "above @durable_handler" in run.error["ErrorMessage"]
    assert ran == []
    assert not any(op["Type"] == "STEP" for op in service.operations.values())
    metrics.clear_metrics()


def test_sync_step_bodies_under_powertools_plugins_are_hooked_on_their_thread_and_share_a_call(
    monkeypatch, service: InMemoryDurableService, lambda_context, provider
):
    # GIVEN durable_handler(logger=, tracer=) over gathered steps with sync bodies, and a sender free to
    # wait for every body (no time budget to race with)
    from powertools_durable.aio import commit as commit_module

    monkeypatch.setattr(commit_module, "GATHER_FIRST_SECONDS", 60.0)
    monkeypatch.setattr(commit_module, "GATHER_IDLE_SECONDS", 60.0)
    logger, stream = new_logger()
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)

    def work(label: str) -> Any:
        def run(step: StepContext) -> str:
            step.logger.info(f"running {label}")
            return label

        return run

    async def orders(event: dict, context: AsyncDurableContext) -> str:
        labels = await asyncio.gather(*(context.step(work(label), name=label) for label in "abc"))
        await context.wait(Duration.from_seconds(5))
        return "".join(labels)

    handler = durable_handler(orders, logger=logger, tracer=tracer, service_client=service)

    # WHEN it runs to its end (two invocations)
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN one subsegment per executed step, each body's line once with its operation's keys, and the
    # three STARTs and SUCCEEDs went in one call
    assert run.result == "abc"
    assert sorted(s.name for s in provider.subsegments) == ["## a", "## b", "## c"]
    by_message = {line["message"]: line for line in lines(stream)}
    assert sorted(by_message) == ["running a", "running b", "running c"]
    assert all(by_message[f"running {label}"]["operation_name"] == label for label in "abc")
    first_call = next(call.updates for call in service.calls if call.invocation == 1)
    assert len(first_call) == 6
