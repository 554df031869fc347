"""``context.step``: run a function once per attempt and checkpoint its outcome.

Replay: SUCCEEDED returns the stored result without running; FAILED raises the stored error;
PENDING (a retry delay still running) suspends; READY, or STARTED under at-least-once
semantics, runs the next attempt. A result is returned to user code only after its SUCCEED
checkpoint is acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from powertools_durable.config import StepConfig, StepSemantics
from powertools_durable.exceptions import (
    SerDesError,
    StepError,
    StepInterruptedError,
    SuspendExecution,
)
from powertools_durable.replay.start_watch import WATCH
from powertools_durable.retries import RetryPresets
from powertools_durable.serdes import (
    SerDes,
    SerDesContext,
    declared_serdes,
    deserialize,
    ensure_checkpointable,
    serialize,
)
from powertools_durable.service.wire import (
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    WireDict,
    error_object,
    operation_error,
)
from powertools_durable.types import StepContext

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext

T = TypeVar("T")

_DEFAULT_CONFIG = StepConfig()
# Enum members bound once: looking them up on their class, several times per step, was a visible
# share of replaying a step.
_STEP, _STEP_SUB_TYPE = OperationType.STEP, OperationSubType.STEP
_SUCCEEDED, _PENDING, _STARTED, _READY = (
    OperationStatus.SUCCEEDED,
    OperationStatus.PENDING,
    OperationStatus.STARTED,
    OperationStatus.READY,
)
_AT_MOST_ONCE = StepSemantics.AT_MOST_ONCE_PER_RETRY


def run_step(ctx: DurableContext, func: Callable[[StepContext], T], name: str | None, config: StepConfig | None) -> T:
    config = config or _DEFAULT_CONFIG
    name = name or getattr(func, "_original_name", None)
    op = ctx.begin_operation(_STEP, config.sub_type or _STEP_SUB_TYPE, name)
    recorded = op.recorded
    details: WireDict = (recorded or {}).get("StepDetails") or {}
    serdes = declared_serdes(config.serdes or ctx.default_serdes, func)  # a `-> Order` annotation declares Order
    serdes_context = SerDesContext(op.id, ctx.state.durable_execution_arn)
    at_most_once = config.step_semantics is _AT_MOST_ONCE

    if recorded is not None:
        status = recorded["Status"]
        if status == _SUCCEEDED:
            payload = details.get("Result")
            result: T = None if payload is None else deserialize(serdes, payload, serdes_context)  # type: ignore[assignment]
            return result
        if status == _PENDING:
            raise SuspendExecution(f"step {op.label} waits for its next attempt")
        if status == _STARTED and at_most_once:
            interrupted = StepInterruptedError(
                f"step {op.label} was started by an earlier invocation that did not finish it", step_id=op.id
            )
            _fail_attempt(ctx, op.update, config, interrupted, (details.get("Attempt") or 0) + 1)
        if status not in (_STARTED, _READY):
            raise operation_error(StepError, details.get("Error"))

    attempt = (details.get("Attempt") or 0) + 1
    watch: int | None = None
    if recorded is None or recorded["Status"] == _READY:
        start = op.update(OperationAction.START)
        if at_most_once:
            ctx.state.checkpoint(start)  # acknowledged before the body may run
        else:
            ctx.state.enqueue(start)  # rides along with the outcome's checkpoint, unless the body runs long
            window = ctx.state.step_start_window
            if window is not None:
                watch = WATCH.watch(ctx.state.checkpointer, window)

    logger = ctx.logger.for_operation(ctx.state.durable_execution_arn, op.parent_id, op.id, name, attempt)
    step_context = StepContext(logger, attempt, operation_id=op.id, operation_name=name)
    try:
        try:
            if ctx.state.step_guard is not None:
                ctx.state.step_guard(op)
            plugins = ctx.state.plugins
            if plugins is None:
                value = func(step_context)
            else:
                value = plugins.run_user_function(op, attempt, lambda: func(step_context))
        finally:
            if watch is not None:
                WATCH.done(watch)
    except Exception as exc:
        _fail_attempt(ctx, op.update, config, exc, attempt)

    return _succeed(ctx, op.update, serdes, value, serdes_context)


def _succeed(
    ctx: DurableContext, update: Callable[..., WireDict], serdes: SerDes[Any] | None, value: T, context: SerDesContext
) -> T:
    """Checkpoint SUCCEED with the serialized ``value`` and return what a replay will return."""
    try:
        serialized: str | None = serialize(serdes, value, context)
        if serialized is None:  # a custom serdes may write no payload: the step succeeds with None, as officially
            ctx.state.checkpoint(update(OperationAction.SUCCEED))
            return None  # type: ignore[return-value]
        payload = ensure_checkpointable(serialized, context)
        result: T = deserialize(serdes, payload, context)  # replay must see the same value
    except SerDesError as exc:
        failure = error_object(exc)
        ctx.state.checkpoint(update(OperationAction.FAIL, Error=failure))
        raise operation_error(StepError, failure) from None  # what a replay of the FAILED step raises
    ctx.state.checkpoint(update(OperationAction.SUCCEED, Payload=payload))
    return result


def _fail_attempt(
    ctx: DurableContext, update: Callable[..., WireDict], config: StepConfig, exc: Exception, attempt: int
) -> NoReturn:
    """Checkpoint a failed attempt as RETRY (and suspend) or FAIL (and raise :class:`StepError`)."""
    ctx.state.raise_if_failed()
    failure = error_object(exc)
    decision = (config.retry_strategy or RetryPresets.default())(exc, attempt)
    if decision.should_retry:
        delay = max(1, decision.delay_seconds)
        ctx.state.checkpoint(
            update(OperationAction.RETRY, Error=failure, StepOptions={"NextAttemptDelaySeconds": delay})
        )
        raise SuspendExecution(f"attempt {attempt} failed; retrying in {delay}s")
    ctx.state.checkpoint(update(OperationAction.FAIL, Error=failure))
    raise operation_error(StepError, failure) from None
