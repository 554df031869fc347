"""``context.wait_for_condition``: poll a check function, durably, until a wait strategy stops it.

One STEP operation (SubType ``WaitForCondition``) holds the polled state. Each poll is one
attempt: the check runs on the state the previous poll left (``initial_state`` on the first),
then the wait strategy decides. To go on, the new state is checkpointed as a RETRY carrying it as
the payload and the next poll's delay, and the invocation suspends; to stop, it is checkpointed
as SUCCEED and returned. A check (or strategy) that raises fails the operation for good: there is
no retry of check errors, and the caller gets :class:`WaitForConditionError`.

Replay: SUCCEEDED returns the stored state; FAILED raises the stored error; PENDING (the delay
still running) suspends; READY, or STARTED, runs the next poll on the stored state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from powertools_durable.config import Duration, JitterStrategy
from powertools_durable.exceptions import (
    InvocationError,
    SuspendExecution,
    ValidationError,
    WaitForConditionError,
)
from powertools_durable.operations.effects import Core, Effect, RunBody, drive
from powertools_durable.retries import backoff_delay
from powertools_durable.serdes import SerDes, SerDesContext, deserialize, ensure_checkpointable, serialize
from powertools_durable.service.wire import (
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    WireDict,
    error_object,
    operation_error,
)
from powertools_durable.types import OperationContext

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext, OperationHandle

T = TypeVar("T")

Numeric = int | float


@dataclass(frozen=True)
class WaitForConditionCheckContext(OperationContext):
    """What a check function receives: its logger and which poll this is (1 on the first)."""

    attempt: int = 1
    operation_id: str = field(default="", kw_only=True)
    operation_name: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class WaitForConditionDecision:
    """Whether to poll again, and after how long."""

    should_continue: bool
    delay: Duration

    @property
    def delay_seconds(self) -> int:
        return self.delay.to_seconds()

    @classmethod
    def continue_waiting(cls, delay: Duration) -> WaitForConditionDecision:
        return cls(should_continue=True, delay=delay)

    @classmethod
    def stop_polling(cls) -> WaitForConditionDecision:
        return cls(should_continue=False, delay=Duration())


@dataclass
class WaitStrategyConfig(Generic[T]):
    """Poll while ``should_continue_polling(state)``, with exponential backoff between polls.

    The delay after poll ``n`` is ``min(initial_delay * backoff_rate**(n-1), max_delay)`` plus
    jitter (at least 1 second); a condition still unmet after ``max_attempts`` polls fails the
    operation with :class:`WaitForConditionError`.
    """

    should_continue_polling: Callable[[T], bool]
    max_attempts: int = 60
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: Numeric = 1.5
    jitter_strategy: JitterStrategy = JitterStrategy.FULL

    @property
    def initial_delay_seconds(self) -> int:
        return self.initial_delay.to_seconds()

    @property
    def max_delay_seconds(self) -> int:
        return self.max_delay.to_seconds()


def create_wait_strategy(config: WaitStrategyConfig[T]) -> Callable[[T, int], WaitForConditionDecision]:
    """Build a wait strategy ``(state, attempts_made) -> WaitForConditionDecision`` from ``config``."""

    def strategy(state: T, attempts_made: int) -> WaitForConditionDecision:
        # A condition met on the last permitted poll still succeeds.
        if not config.should_continue_polling(state):
            return WaitForConditionDecision.stop_polling()
        if attempts_made >= config.max_attempts:
            msg = f"wait_for_condition exhausted {config.max_attempts} attempts before the condition was met"
            raise WaitForConditionError(msg)
        delay = backoff_delay(
            config.initial_delay_seconds,
            config.backoff_rate,
            attempts_made,
            config.max_delay_seconds,
            config.jitter_strategy,
        )
        return WaitForConditionDecision.continue_waiting(delay)

    return strategy


@dataclass(frozen=True)
class WaitForConditionConfig(Generic[T]):
    """Configuration of one ``wait_for_condition``.

    Parameters
    ----------
    wait_strategy
        ``(state, attempts_made) -> WaitForConditionDecision``, called after each poll.
    initial_state
        The state of the first poll; round-tripped through the serdes first, so the first check
        sees the same shape later polls read from the checkpoint.
    serdes
        How the state is written to and read from the checkpoint; ``None`` uses the handler's default.
    """

    wait_strategy: Callable[[T, int], WaitForConditionDecision]
    initial_state: T
    serdes: SerDes[Any] | None = None


_STEP, _SUB_TYPE = OperationType.STEP, OperationSubType.WAIT_FOR_CONDITION


def run_wait_for_condition(
    ctx: DurableContext,
    check: Callable[[T, WaitForConditionCheckContext], T],
    config: WaitForConditionConfig[T],
    name: str | None,
) -> T:
    return drive(wait_for_condition_core(ctx, check, config, name), ctx.state)


def wait_for_condition_core(
    ctx: DurableContext,
    check: Callable[[T, WaitForConditionCheckContext], T],
    config: WaitForConditionConfig[T],
    name: str | None,
) -> Core[T]:
    """One poll as effects: the check run, its state checkpointed as SUCCEED (done) or RETRY (poll again)."""
    if check is None:
        raise ValidationError("`check` is required for wait_for_condition")
    if not config:
        raise ValidationError("`config` is required for wait_for_condition")
    op = ctx.begin_operation(_STEP, _SUB_TYPE, name)
    recorded = op.recorded
    details: WireDict = (recorded or {}).get("StepDetails") or {}
    serdes = config.serdes or ctx.default_serdes
    serdes_context = SerDesContext(op.id, ctx.state.durable_execution_arn)

    def load(payload: str) -> T:
        value: T = deserialize(serdes, payload, serdes_context)
        return value

    status = recorded["Status"] if recorded is not None else None
    if status == OperationStatus.SUCCEEDED:
        result = details.get("Result")
        return None if result is None else load(result)  # type: ignore[return-value]
    if status == OperationStatus.FAILED:
        raise operation_error(WaitForConditionError, details.get("Error"))
    if status == OperationStatus.PENDING:
        raise SuspendExecution(f"wait_for_condition {op.label} waits for its next poll")
    if status != OperationStatus.STARTED:
        ctx.state.enqueue(op.update(OperationAction.START))  # rides along with the poll's outcome

    attempt = (details.get("Attempt") or 0) + 1
    try:
        stored = details.get("Result")
        state = load(stored) if stored else load(serialize(serdes, config.initial_state, serdes_context))
        logger = ctx.logger.for_operation(ctx.state.durable_execution_arn, op.parent_id, op.id, name, attempt)
        check_context = WaitForConditionCheckContext(logger, attempt, operation_id=op.id, operation_name=name)
        new_state = yield RunBody(functools.partial(check, state), check_context, op, attempt)
        payload = ensure_checkpointable(serialize(serdes, new_state, serdes_context), serdes_context)
        decision = config.wait_strategy(load(payload), attempt)  # the state replay would reconstruct
    except (SuspendExecution, InvocationError):
        raise
    except Exception as exc:
        yield from _fail(ctx, op, exc)

    if not decision.should_continue:
        yield op.update(OperationAction.SUCCEED, Payload=payload)
        return load(payload)
    delay = max(1, decision.delay_seconds)
    yield op.update(OperationAction.RETRY, Payload=payload, StepOptions={"NextAttemptDelaySeconds": delay})
    raise SuspendExecution(f"wait_for_condition {op.label}: poll {attempt} not done; polling again in {delay}s")


def _fail(ctx: DurableContext, op: OperationHandle, exc: Exception) -> Generator[Effect, Any, NoReturn]:
    """Checkpoint the operation FAILED and raise :class:`WaitForConditionError` as a replay would."""
    ctx.state.raise_if_failed()
    failure = error_object(exc)
    yield op.update(OperationAction.FAIL, Error=failure)
    raise operation_error(WaitForConditionError, failure) from None
