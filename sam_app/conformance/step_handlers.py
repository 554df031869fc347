"""Functions answering AWS's step conformance requirements (1-x), one handler per requirement."""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    DurableContext,
    Duration,
    JitterStrategy,
    RetryPresets,
    RetryStrategyConfig,
    SerDes,
    SerDesContext,
    StepConfig,
    StepContext,
    StepError,
    StepSemantics,
    create_retry_strategy,
    durable_handler,
    durable_step,
)

logger = Logger(service="conformance")

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


class TransientError(Exception):
    """An error the 1-16 retry strategy declines to retry."""


class PermanentError(Exception):
    """The only error type the 1-16 retry strategy would retry."""


class UppercaseSerDes(SerDes[str]):
    """1-6: writes every string result upper-cased."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return json.dumps(value.upper())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        result: str = json.loads(data)
        return result


@durable_step
def greet(step: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_step
def greet_with_logs(step: StepContext, name: str) -> str:
    step.logger.info(f"Greeting step started for: {name}")
    greeting = f"Hello, {name}!"
    step.logger.info(f"Greeting step completed with: {greeting}")
    return greeting


@durable_step
def step_two(step: StepContext, first: str) -> str:
    return f"{first}_second"


@durable_step
def build_response(step: StepContext, event: dict[str, Any]) -> dict[str, Any]:
    return {"user": {"name": event["name"], "tags": event["tags"]}, "count": len(event["tags"])}


def _fail(message: str) -> Any:
    raise RuntimeError(message)


def _fails_until(attempt: int, succeed_on: int, result: str) -> str:
    if attempt < succeed_on:
        raise RuntimeError(f"attempt {attempt} fails on purpose")
    return result


@durable_handler(logger=logger)
def step_basic(event: str, context: DurableContext) -> str:  # 1-1
    return context.step(greet(event))


@durable_handler(logger=logger)
def step_named(event: str, context: DurableContext) -> str:  # 1-2
    return context.step(lambda _: f"Hello, {event}!", name="custom_step_name")


@durable_handler(logger=logger)
def step_sequential(event: Any, context: DurableContext) -> str:  # 1-3
    first = context.step(lambda _: "first", name="step_one")
    return context.step(step_two(first))


@durable_handler(logger=logger)
def step_complex_object(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:  # 1-4
    return context.step(build_response(event))


@durable_handler(logger=logger)
def step_null_result(event: Any, context: DurableContext) -> None:  # 1-5
    return context.step(lambda _: None, name="do_nothing")


@durable_handler(logger=logger)
def step_custom_serdes(event: str, context: DurableContext) -> str:  # 1-6
    return context.step(lambda _: event, name="return_input", config=StepConfig(serdes=UppercaseSerDes()))


@durable_handler(logger=logger)
def step_logger(event: str, context: DurableContext) -> str:  # 1-7
    return context.step(greet_with_logs(event))


@durable_handler(logger=logger)
def step_then_wait(event: Any, context: DurableContext) -> str:  # 1-8
    result = context.step(lambda _: "computed", name="compute")
    context.wait(Duration.from_seconds(2))
    return result


def _executed(step: StepContext, value: str) -> str:
    step.logger.info("step executed")
    return value


@durable_handler(logger=logger)
def step_replay_skips(event: Any, context: DurableContext) -> str:  # 1-9
    result = context.step(lambda step: _executed(step, "cached_value"), name="cached_step")
    context.wait(Duration.from_seconds(1))
    return result


@durable_handler(logger=logger)
def step_replay_rethrows(event: Any, context: DurableContext) -> str:  # 1-10
    try:
        context.step(lambda step: _fail(_executed(step, "boom")), name="failing_step", config=NO_RETRY)
    except StepError as error:
        caught = error.message or ""
    context.wait(Duration.from_seconds(1))
    return caught


@durable_handler(logger=logger)
def step_retry_exhausted(event: Any, context: DurableContext) -> None:  # 1-12
    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=4,
            initial_delay=Duration.from_seconds(1),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    context.step(lambda _: _fail("always fails"), name="always_fail", config=StepConfig(retry_strategy=strategy))


@durable_handler(logger=logger)
def step_default_retry(event: Any, context: DurableContext) -> str:  # 1-13
    return context.step(lambda step: _fails_until(step.attempt, 3, "succeeded"), name="unreliable")


@durable_handler(logger=logger)
def step_custom_retry(event: Any, context: DurableContext) -> str:  # 1-14
    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=5,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=3,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    return context.step(
        lambda step: _fails_until(step.attempt, 3, "succeeded"),
        name="flaky",
        config=StepConfig(retry_strategy=strategy),
    )


def _raise_transient(step: StepContext) -> str:
    raise TransientError("transient failure, not retried by this strategy")


@durable_handler(logger=logger)
def step_non_retryable(event: Any, context: DurableContext) -> str:  # 1-16
    strategy = create_retry_strategy(RetryStrategyConfig(retryable_error_types=[PermanentError]))
    return context.step(_raise_transient, name="transient", config=StepConfig(retry_strategy=strategy))


def _crash_after_logging(step: StepContext, value: str, succeed_from: int) -> str:
    step.logger.info(f"at-most-once step running with input {value}")
    if step.attempt < succeed_from:
        os._exit(1)  # the Lambda runtime dies mid-step
    return "succeeded on second attempt"


@durable_handler(logger=logger)
def step_at_most_once_interrupted(event: str, context: DurableContext) -> str:  # 1-17
    config = StepConfig(retry_strategy=RetryPresets.none(), step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
    return context.step(
        lambda step: _crash_after_logging(step, event, succeed_from=99), name="at_most_once_flaky_step", config=config
    )


@durable_handler(logger=logger)
def step_at_most_once_retried(event: str, context: DurableContext) -> str:  # 1-18
    strategy = create_retry_strategy(
        RetryStrategyConfig(max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
    )
    config = StepConfig(retry_strategy=strategy, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
    return context.step(lambda step: _crash_after_logging(step, event, succeed_from=2), name="flaky", config=config)


@durable_handler(logger=logger)
def step_fails(event: Any, context: DurableContext) -> str:  # 1-19
    return context.step(lambda _: _fail("this step always fails"), name="failing_func", config=NO_RETRY)


@durable_handler(logger=logger)
def step_error_caught(event: Any, context: DurableContext) -> str:  # 1-20
    try:
        value = context.step(lambda _: _fail("expected failure"), name="failing_func", config=NO_RETRY)
    except StepError:
        value = "fallback_result"
    return context.step(lambda _: value, name="after_fallback")
