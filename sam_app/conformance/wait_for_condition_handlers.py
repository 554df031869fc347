"""Functions answering AWS's wait_for_condition conformance requirements (6-x), one handler per requirement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    DurableContext,
    Duration,
    JitterStrategy,
    WaitForConditionCheckContext,
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitForConditionError,
    WaitStrategyConfig,
    create_wait_strategy,
    durable_handler,
)

logger = Logger(service="conformance")


def _until(threshold: int, seconds: int = 1) -> Callable[[int, int], WaitForConditionDecision]:
    """A fixed-delay wait strategy (no jitter, no backoff): poll again while the state is below ``threshold``."""

    def strategy(state: int, attempts_made: int) -> WaitForConditionDecision:
        if state < threshold:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(seconds))
        return WaitForConditionDecision.stop_polling()

    return strategy


def _increment(state: int, check: WaitForConditionCheckContext) -> int:
    return state + 1


def _sensor_offline(state: Any, check: WaitForConditionCheckContext) -> Any:
    raise RuntimeError("sensor offline")


@durable_handler(logger=logger)
def poll_basic(event: int, context: DurableContext) -> int:  # 6-1
    return context.wait_for_condition(_increment, WaitForConditionConfig(_until(event), initial_state=0))


@durable_handler(logger=logger)
def poll_immediate(event: int, context: DurableContext) -> int:  # 6-2
    return context.wait_for_condition(lambda state, _: state, WaitForConditionConfig(_until(event), initial_state=5))


@durable_handler(logger=logger)
def poll_named(event: int, context: DurableContext) -> int:  # 6-3
    config = WaitForConditionConfig(_until(event), initial_state=0)
    return context.wait_for_condition(_increment, config, name="poll-status")


@durable_handler(logger=logger)
def poll_initial_state(event: int, context: DurableContext) -> int:  # 6-4
    return context.wait_for_condition(_increment, WaitForConditionConfig(_until(event), initial_state=5))


@durable_handler(logger=logger)
def poll_fixed_delay(event: int, context: DurableContext) -> int:  # 6-5
    return context.wait_for_condition(_increment, WaitForConditionConfig(_until(event, seconds=2), initial_state=0))


@durable_handler(logger=logger)
def poll_max_attempts(event: Any, context: DurableContext) -> int:  # 6-6
    never_met = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=lambda state: True,
            max_attempts=3,
            initial_delay=Duration.from_seconds(1),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    return context.wait_for_condition(_increment, WaitForConditionConfig(never_met, initial_state=0))


@durable_handler(logger=logger)
def poll_check_raises(event: Any, context: DurableContext) -> int:  # 6-7
    return context.wait_for_condition(_sensor_offline, WaitForConditionConfig(_until(1), initial_state=0))


@durable_handler(logger=logger)
def poll_check_raises_caught(event: Any, context: DurableContext) -> Any:  # 6-8
    try:
        return context.wait_for_condition(_sensor_offline, WaitForConditionConfig(_until(1), initial_state=0))
    except WaitForConditionError:
        return "recovered"


def _advance_job(state: dict[str, Any], check: WaitForConditionCheckContext) -> dict[str, Any]:
    attempts = state["attempts"] + 1
    return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}


@durable_handler(logger=logger)
def poll_object_state(event: Any, context: DurableContext) -> dict[str, Any]:  # 6-9
    while_pending = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=lambda state: state["status"] == "PENDING",
            initial_delay=Duration.from_seconds(1),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    initial = {"status": "PENDING", "attempts": 0}
    result: dict[str, Any] = context.wait_for_condition(_advance_job, WaitForConditionConfig(while_pending, initial))
    return result


@durable_handler(logger=logger)
def poll_null_result(event: Any, context: DurableContext) -> None:  # 6-10
    stop = WaitForConditionConfig(lambda state, attempts_made: WaitForConditionDecision.stop_polling(), None)
    return context.wait_for_condition(lambda state, _: None, stop)  # type: ignore[func-returns-value]


@durable_handler(logger=logger)
def poll_then_step(event: int, context: DurableContext) -> int:  # 6-12
    reached = context.wait_for_condition(_increment, WaitForConditionConfig(_until(event), initial_state=0))
    return context.step(lambda _: reached * 10)


@durable_handler(logger=logger)
def poll_twice(event: Any, context: DurableContext) -> int:  # 6-13
    first = context.wait_for_condition(_increment, WaitForConditionConfig(_until(2), initial_state=0))
    return context.wait_for_condition(_increment, WaitForConditionConfig(_until(4), initial_state=first))
