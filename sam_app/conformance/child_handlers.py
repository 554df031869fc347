"""Functions answering AWS's child-context conformance requirements (3-x), one handler per requirement."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    ChildConfig,
    ChildContextError,
    DurableContext,
    Duration,
    JitterStrategy,
    RetryPresets,
    RetryStrategyConfig,
    SerDes,
    SerDesContext,
    StepConfig,
    StepContext,
    create_retry_strategy,
    durable_handler,
    durable_with_child_context,
)

logger = Logger(service="conformance")
replay_logger = Logger(service="conformance-replay")  # 3-11, 3-17: replayed lines are kept, so re-runs show

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def _fail(message: str) -> Any:
    raise RuntimeError(message)


def _retry(max_attempts: int) -> StepConfig:
    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=max_attempts, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE
        )
    )
    return StepConfig(retry_strategy=strategy)


class UppercaseSerDes(SerDes[str]):
    """3-14: writes the child's result upper-cased, as it is."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return value.upper()

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data


@durable_with_child_context
def echo_child(child: DurableContext, value: str) -> str:
    return child.step(lambda _: value, name="echo")


@durable_with_child_context
def two_steps(child: DurableContext, value: str) -> str:
    first = child.step(lambda _: value, name="first")
    return child.step(lambda _: first, name="second")


@durable_with_child_context
def failing_child(child: DurableContext) -> str:
    return child.step(lambda _: _fail("child step failed"), name="failing_step", config=NO_RETRY)


@durable_handler(logger=logger)
def child_basic(event: str, context: DurableContext) -> str:  # 3-1
    return context.run_in_child_context(lambda child: child.step(lambda _: event))


@durable_handler(logger=logger)
def child_named(event: dict[str, str], context: DurableContext) -> str:  # 3-2
    value = event["value"]
    return context.run_in_child_context(lambda child: child.step(lambda _: value), name=event["name"])


@durable_handler(logger=logger)
def child_sequential_steps(event: str, context: DurableContext) -> str:  # 3-3
    return context.run_in_child_context(two_steps(event))


@durable_handler(logger=logger)
def child_fails(event: Any, context: DurableContext) -> str:  # 3-4
    return context.run_in_child_context(failing_child())


@durable_handler(logger=logger)
def child_error_caught(event: str, context: DurableContext) -> str:  # 3-5
    with contextlib.suppress(ChildContextError):
        context.run_in_child_context(failing_child())
    return context.step(lambda _: event, name="recover")


@durable_with_child_context
def inner_child(child: DurableContext, value: str) -> str:
    return child.step(lambda _: value, name="inner_step")


@durable_with_child_context
def outer_child(child: DurableContext, value: str) -> str:
    child.step(lambda _: value, name="outer_step")
    return child.run_in_child_context(inner_child(value))


@durable_handler(logger=logger)
def child_nested(event: str, context: DurableContext) -> str:  # 3-6
    return context.run_in_child_context(outer_child(event))


def _fails_first(step: StepContext, value: str) -> str:
    if step.attempt < 2:
        raise RuntimeError("first attempt fails on purpose")
    return value


@durable_with_child_context
def retrying_child(child: DurableContext, value: str) -> str:
    return child.step(lambda step: _fails_first(step, value), name="flaky", config=_retry(3))


@durable_handler(logger=logger)
def child_step_retry(event: str, context: DurableContext) -> str:  # 3-7
    return context.run_in_child_context(retrying_child(event))


@durable_with_child_context
def exhausted_child(child: DurableContext) -> str:
    return child.step(lambda _: _fail("always fails"), name="always_fail", config=_retry(2))


@durable_handler(logger=logger)
def child_retry_exhausted(event: Any, context: DurableContext) -> str:  # 3-8
    return context.run_in_child_context(exhausted_child())


@durable_handler(logger=logger)
def child_replay_cached(event: str, context: DurableContext) -> str:  # 3-9
    result = context.run_in_child_context(echo_child(event))
    context.wait(Duration.from_seconds(1))
    return result


@durable_with_child_context
def large_result_child(child: DurableContext, value: str) -> str:
    child.logger.info(f"building a large result for {value}")
    seed = child.step(lambda _: value, name="seed")
    return seed * (40 * 1024)  # 8 characters x 40 Ki = 320 KiB: past the 256 KiB checkpoint limit


@durable_handler(logger=replay_logger, log_replay=True)
def child_large_result(event: str, context: DurableContext) -> int:  # 3-11
    result = context.run_in_child_context(large_result_child(event))
    context.wait(Duration.from_seconds(1))
    return len(result)


@durable_with_child_context
def crashing_child(child: DurableContext, value: str) -> str:
    crash = not child.is_replaying()  # the first invocation; the re-invocation replays the started step

    def body(step: StepContext) -> str:
        if crash:
            # A long body: its START is checkpointed in the background while it runs. Wait until it is
            # recorded, then die as a crashed runtime does, before the step's outcome is checkpointed.
            deadline = time.monotonic() + 30
            while child.state.get(step.operation_id) is None and time.monotonic() < deadline:
                time.sleep(0.01)
            os._exit(1)
        return value

    return child.step(body)


@durable_handler(logger=logger)
def child_interrupted(event: str, context: DurableContext) -> str:  # 3-12
    return context.run_in_child_context(crashing_child(event))


@durable_handler(logger=logger)
def child_custom_serdes(event: str, context: DurableContext) -> str:  # 3-14
    config = ChildConfig(serdes=UppercaseSerDes())
    return context.run_in_child_context(echo_child(event), config=config)


@durable_with_child_context
def raising_child(child: DurableContext) -> None:
    raise ValueError("thrown directly in the child body")


@durable_handler(logger=logger)
def child_error_without_step(event: Any, context: DurableContext) -> None:  # 3-15
    context.run_in_child_context(raising_child())


@durable_with_child_context
def null_child(child: DurableContext) -> None:
    return None


@durable_handler(logger=logger)
def child_returns_null(event: Any, context: DurableContext) -> None:  # 3-16
    return context.run_in_child_context(null_child())


@durable_with_child_context
def logging_child(child: DurableContext, value: str) -> str:
    child.logger.info(f"child body ran with {value}")
    return value


@durable_handler(logger=replay_logger, log_replay=True)
def child_logger_only(event: str, context: DurableContext) -> str:  # 3-17
    result = context.run_in_child_context(logging_child(event))
    context.wait(Duration.from_seconds(1))
    return result


@durable_with_child_context
def step_and_wait_child(child: DurableContext, value: str) -> str:
    result = child.step(lambda _: value, name="inner_step")
    child.wait(Duration.from_seconds(1))
    return result


@durable_handler(logger=logger)
def child_step_wait_then_step_wait(event: str, context: DurableContext) -> str:  # 3-18
    result = context.run_in_child_context(step_and_wait_child(event))
    outer = context.step(lambda _: result, name="outer_step")
    context.wait(Duration.from_seconds(1))
    return outer
