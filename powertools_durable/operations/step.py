"""``context.step``: run a function once per attempt and checkpoint its outcome.

Replay: SUCCEEDED returns the stored result without running; FAILED raises the stored error;
PENDING (a retry delay still running) suspends; READY, or STARTED under at-least-once
semantics, runs the next attempt. A result is returned to user code only after its SUCCEED
checkpoint is acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Concatenate, NoReturn, ParamSpec, TypeVar

from powertools_durable.config import StepConfig, StepSemantics
from powertools_durable.exceptions import (
    SerDesError,
    StepError,
    StepInterruptedError,
    SuspendExecution,
)
from powertools_durable.operations.binding import bound
from powertools_durable.operations.effects import Core, Effect, RunBody, drive
from powertools_durable.retries import RetryPresets
from powertools_durable.serdes import (
    SerDes,
    SerDesContext,
    declared_serdes,
    deserialize,
    ensure_checkpointable,
    read_back,
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
P = ParamSpec("P")

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
_new = tuple.__new__
_object_new = object.__new__


def run_step(ctx: DurableContext, func: Callable[[StepContext], T], name: str | None, config: StepConfig | None) -> T:
    opened = open_step(ctx, func, name, config)
    if opened.__class__ is not Attempt:
        return opened  # type: ignore[no-any-return]  # replayed: the recorded result
    return drive(step_attempt(ctx, func, opened), ctx.state)


class Attempt(tuple):  # type: ignore[type-arg]
    """A step that runs an attempt in this invocation: ``(op, name, config, serdes, serdes_context, details)``.

    A bare tuple subclass, built by ``tuple.__new__`` in C: a named tuple's ``__new__`` is Python code,
    a visible share of a fresh step.
    """


def open_step(ctx: DurableContext, func: Callable[..., Any], name: str | None, config: StepConfig | None) -> Any:
    """Begin the step: its recorded result when the checkpoint settles it (or raise), else an :class:`Attempt`.

    A plain function, not part of the generator: a replayed step costs no generator.
    """
    config = config or _DEFAULT_CONFIG
    name = name or getattr(func, "_original_name", None)
    op = ctx.begin_operation(_STEP, config.sub_type or _STEP_SUB_TYPE, name)
    recorded = op.recorded
    details: WireDict = (recorded or {}).get("StepDetails") or {}
    serdes = declared_serdes(config.serdes or ctx.default_serdes, func)  # a `-> Order` annotation declares Order
    serdes_context = SerDesContext(op.id, ctx.state.durable_execution_arn)
    if recorded is not None:
        status = recorded["Status"]
        if status == _SUCCEEDED:
            payload = details.get("Result")
            return None if payload is None else deserialize(serdes, payload, serdes_context)
        if status == _PENDING:
            raise SuspendExecution(f"step {op.label} waits for its next attempt")
        if status not in (_STARTED, _READY):
            raise operation_error(StepError, details.get("Error"))
    return Attempt((op, name, config, serdes, serdes_context, details))


def step_attempt(ctx: DurableContext, func: Callable[[StepContext], T], opened: Attempt) -> Core[T]:
    """The attempt of an opened step, as effects: its START, its body, its outcome's checkpoint."""
    op, name, config, serdes, serdes_context, details = opened
    recorded = op.recorded
    at_most_once = config.step_semantics is _AT_MOST_ONCE
    if recorded is not None and recorded["Status"] == _STARTED and at_most_once:
        interrupted = StepInterruptedError(
            f"step {op.label} was started by an earlier invocation that did not finish it", step_id=op.id
        )
        yield from _fail_attempt(ctx, op.update, config, interrupted, (details.get("Attempt") or 0) + 1)

    attempt = (details.get("Attempt") or 0) + 1
    watch: float | None = None
    if recorded is None or recorded["Status"] == _READY:
        start = op.update(OperationAction.START)
        if at_most_once:
            yield start  # acknowledged before the body may run
        else:
            ctx.state.enqueue(start)  # rides along with the outcome's checkpoint, unless the body runs long
            watch = ctx.state.step_start_window  # from when the body starts running (a queued body is not)

    logger = ctx.logger.for_operation(ctx.state.durable_execution_arn, op.parent_id, op.id, name, attempt)
    step_context = _new_step_context(logger, attempt, op.id, name)
    try:
        value = yield _new(RunBody, (func, step_context, op, attempt, watch, True, False, None))  # RunBody(...), in C
    except Exception as exc:
        yield from _fail_attempt(ctx, op.update, config, exc, attempt)

    outcome: tuple[WireDict, T, WireDict | None] = _outcome(op.update, serdes, value, serdes_context)
    update, result, failure = outcome
    yield update
    if failure is not None:
        raise operation_error(StepError, failure) from None  # what a replay of the FAILED step raises
    return result


def _new_step_context(logger: Any, attempt: int, operation_id: str, name: str | None) -> StepContext:
    """``StepContext(logger, attempt, operation_id=..., operation_name=...)``, once per attempt.

    The frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (a third of a
    microsecond each, a visible share of a gathered step); its fields are filled in directly instead.
    """
    context: StepContext = _object_new(StepContext)
    fields = context.__dict__
    fields["logger"], fields["attempt"], fields["operation_id"], fields["operation_name"] = (
        logger,
        attempt,
        operation_id,
        name,
    )
    return context


def _outcome(
    update: Callable[..., WireDict], serdes: SerDes[Any] | None, value: T, context: SerDesContext
) -> tuple[WireDict, T, WireDict | None]:
    """The update that ends the attempt (SUCCEED with the serialized ``value``, or FAIL when it cannot
    be serialized), what a replay will return, and the error to raise once the FAIL is recorded.
    """
    try:
        serialized: str | None = serialize(serdes, value, context)
        if serialized is None:  # a custom serdes may write no payload: the step succeeds with None, as officially
            return update(OperationAction.SUCCEED), None, None  # type: ignore[return-value]
        payload = ensure_checkpointable(serialized, context)
        result: T = read_back(serdes, value, payload, context)  # replay must see the same value
    except SerDesError as exc:
        failure = error_object(exc)
        return update(OperationAction.FAIL, Error=failure), None, failure  # type: ignore[return-value]
    return update(OperationAction.SUCCEED, Payload=payload), result, None


def _fail_attempt(
    ctx: DurableContext, update: Callable[..., WireDict], config: StepConfig, exc: Exception, attempt: int
) -> Generator[Effect, Any, NoReturn]:
    """Checkpoint a failed attempt as RETRY (and suspend) or FAIL (and raise :class:`StepError`)."""
    ctx.state.raise_if_failed()
    failure = error_object(exc)
    decision = (config.retry_strategy or RetryPresets.default())(exc, attempt)
    if decision.should_retry:
        delay = max(1, decision.delay_seconds)
        yield update(OperationAction.RETRY, Error=failure, StepOptions={"NextAttemptDelaySeconds": delay})
        raise SuspendExecution(f"attempt {attempt} failed; retrying in {delay}s")
    yield update(OperationAction.FAIL, Error=failure)
    raise operation_error(StepError, failure) from None


def durable_step(func: Callable[Concatenate[StepContext, P], T]) -> Callable[P, Callable[[StepContext], T]]:
    """Turn ``f(step_context, *args)`` into ``f(*args)`` returning a step callable named ``f``.

    Example
    -------
    >>> @durable_step
    ... def reserve(step: StepContext, order_id: str) -> dict: ...
    >>> context.step(reserve("o-1"))  # doctest: +SKIP
    """

    return bound(func)
