"""Tracer: one ``## <step>`` subsegment per step attempt that really runs, none for replays."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_lambda_powertools import Tracer

from powertools_durable import DurableContext, Duration, StepConfig, StepError, durable_handler
from powertools_durable.local.memory import run_to_completion
from powertools_durable.retries import RetryDecision
from tests.functional.powertools.fakes import FakeTracerProvider


@pytest.fixture
def provider() -> Iterator[FakeTracerProvider]:
    Tracer._reset_config()  # Tracer keeps its configuration on the class
    yield FakeTracerProvider()
    Tracer._reset_config()


def three_steps(event: dict, context: DurableContext) -> str:
    first = context.step(lambda _: "a", name="first")
    context.wait(Duration.from_seconds(5))
    second = context.step(lambda _: "b", name="second")
    context.wait(Duration.from_seconds(5))
    return first + second + context.step(lambda _: "c", name="third")


def test_one_subsegment_per_executed_step_across_three_invocations(provider, service, lambda_context):
    # GIVEN a Tracer with a recording provider and a three-invocation workflow
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)
    handler = durable_handler(three_steps, tracer=tracer, service_client=service)

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN each step got exactly one subsegment, although steps were replayed twice
    assert len(run.outputs) == 3
    assert [s.name for s in provider.subsegments] == ["## first", "## second", "## third"]
    # AND each is annotated with the execution ARN, its operation id and attempt, its result as metadata
    ids = set()
    for segment, value in zip(provider.subsegments, "abc", strict=True):
        assert segment.annotations["DurableExecutionArn"] == service.durable_execution_arn
        assert segment.annotations["Attempt"] == 1
        ids.add(segment.annotations["OperationId"])
        name = segment.name.removeprefix("## ")
        assert segment.metadata == {("orders", f"{name} response"): value}
    assert len(ids) == 3


def test_a_retried_step_gets_one_subsegment_per_attempt_with_the_error(provider, service, lambda_context):
    # GIVEN a step failing once, then retried
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)
    boom = RuntimeError("transient")

    def flaky(step) -> str:
        if step.attempt == 1:
            raise boom
        return "ok"

    config = StepConfig(retry_strategy=lambda exc, attempt: RetryDecision.retry(Duration.from_seconds(1)))
    handler = durable_handler(
        lambda event, context: context.step(flaky, name="flaky", config=config),
        tracer=tracer,
        service_client=service,
    )

    # WHEN it runs to its end
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN two subsegments: attempt 1 with the error, attempt 2 with the result
    first, second = provider.named("## flaky")
    assert (first.annotations["Attempt"], second.annotations["Attempt"]) == (1, 2)
    assert first.metadata == {("orders", "flaky error"): boom}
    assert second.metadata == {("orders", "flaky response"): "ok"}


def test_capture_options_follow_powertools_env_vars(monkeypatch, provider, service, lambda_context):
    # GIVEN Powertools' capture options turned off
    monkeypatch.setenv("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "false")
    monkeypatch.setenv("POWERTOOLS_TRACER_CAPTURE_ERROR", "false")
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)

    def body(event: dict, context: DurableContext) -> str:
        with pytest.raises(StepError):
            context.step(
                lambda _: 1 / 0, name="fails", config=StepConfig(retry_strategy=lambda e, a: RetryDecision.no_retry())
            )
        return context.step(lambda _: "secret", name="ok")

    handler = durable_handler(body, tracer=tracer, service_client=service)

    # WHEN it runs
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN the subsegments exist, annotated, but carry no result nor error
    assert [s.name for s in provider.subsegments] == ["## fails", "## ok"]
    assert all(s.metadata == {} for s in provider.subsegments)
    assert all("OperationId" in s.annotations for s in provider.subsegments)


def test_nothing_is_traced_when_tracing_is_disabled(provider, service, lambda_context):
    # GIVEN a disabled Tracer
    tracer = Tracer(service="orders", provider=provider, disabled=True, auto_patch=False)
    handler = durable_handler(three_steps, tracer=tracer, service_client=service)

    # WHEN the workflow runs to its end
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN it succeeded and no subsegment was opened
    assert run.result == "abc"
    assert provider.subsegments == []


@pytest.mark.parametrize("durable_outermost", [False, True], ids=["capture-outside", "durable-outside"])
def test_composes_with_capture_lambda_handler_in_either_order(provider, service, lambda_context, durable_outermost):
    # GIVEN capture_lambda_handler and durable_handler(tracer=...) stacked in either order
    tracer = Tracer(service="orders", provider=provider, disabled=False, auto_patch=False)
    if durable_outermost:
        handler = durable_handler(tracer.capture_lambda_handler(three_steps), tracer=tracer, service_client=service)
    else:
        handler = tracer.capture_lambda_handler(durable_handler(three_steps, tracer=tracer, service_client=service))

    # WHEN it runs
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN there is one handler subsegment per invocation and one per executed step
    names = [s.name for s in provider.subsegments]
    assert names.count("## three_steps") == 3
    assert [n for n in names if n != "## three_steps"] == ["## first", "## second", "## third"]
