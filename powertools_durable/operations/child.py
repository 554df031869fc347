"""``context.run_in_child_context``: run a function in a child context, checkpointed as one CONTEXT operation.

The child's operations get ids namespaced under the CONTEXT operation's id and carry it as their
``ParentId``. START is queued (it rides along with the child's first checkpoint); the outcome is
checkpointed before it is returned: SUCCEED with the serialized result, or FAIL with the error,
which the parent sees as :class:`ChildContextError`.

Replay: SUCCEEDED returns the stored result without running the function, FAILED raises the stored
error; STARTED runs the function again, its operations replaying from their own checkpoints. A
result larger than :data:`CHECKPOINT_SIZE_LIMIT` is not stored: the SUCCEED carries a summary and
``ContextOptions.ReplayChildren``, and a replay re-runs the function to rebuild it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from powertools_durable.config import ChildConfig
from powertools_durable.current import entered
from powertools_durable.exceptions import (
    ChildContextError,
    ExecutionError,
    InvocationError,
    NonDeterministicExecutionError,
)
from powertools_durable.operations.binding import bound
from powertools_durable.operations.effects import Core, RunBody, drive
from powertools_durable.serdes import SerDesContext, declared_serdes, deserialize, read_back, serialize
from powertools_durable.service.wire import (
    CHECKPOINT_SIZE_LIMIT,
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    WireDict,
    escaped_error_object,
    operation_error,
)

if TYPE_CHECKING:
    from powertools_durable.concurrency.scope import BranchScope
    from powertools_durable.context import DurableContext, OperationHandle

T = TypeVar("T")
P = ParamSpec("P")

_DEFAULT_CONFIG: ChildConfig[Any] = ChildConfig()


def run_child(
    ctx: DurableContext,
    func: Callable[[DurableContext], T],
    name: str | None,
    config: ChildConfig[Any] | None,
    sub_type: str | None = None,
) -> T:
    """Run ``func`` in a child context of ``ctx``; ``sub_type`` overrides the config's (wait_for_callback)."""
    op, config = begin_child(ctx, func, name, config, sub_type)
    return run_child_operation(ctx, op, func, config)


def begin_child(
    ctx: DurableContext,
    func: Callable[..., Any],
    name: str | None,
    config: ChildConfig[Any] | None,
    sub_type: str | None = None,
) -> tuple[OperationHandle, ChildConfig[Any]]:
    """Allocate the child's CONTEXT operation (its name defaults to the function's durable name)."""
    config = config or _DEFAULT_CONFIG
    name = name or getattr(func, "_original_name", None)
    op = ctx.begin_operation(
        OperationType.CONTEXT, sub_type or config.sub_type or OperationSubType.RUN_IN_CHILD_CONTEXT, name
    )
    return op, config


def run_child_operation(
    ctx: DurableContext,
    op: OperationHandle,
    func: Callable[[DurableContext], T],
    config: ChildConfig[Any],
    scope: BranchScope | None = None,
    acknowledged: bool = True,
    decode_result: bool = True,
) -> T:
    """Run ``func`` as the CONTEXT operation ``op`` (allocated by the caller: a batch branch has its own id).

    ``acknowledged=False`` (batch branches) queues the SUCCEED instead of waiting for it: the batch's
    own outcome is committed after it, so nothing is reported before it is recorded, and a branch
    frees its slot one round trip sooner. Lost with a crash, the branch replays from its operations.
    ``decode_result=False`` returns the value itself instead of decoding what was serialized: for a
    value that round-trips unchanged (a batch's result, built from already round-tripped items).
    """
    if config.is_virtual:
        return _run_virtual(ctx, op, func, config, scope)
    return drive(child_core(ctx, op, func, config, scope, acknowledged, decode_result), ctx.state)


def child_core(
    ctx: DurableContext,
    op: OperationHandle,
    func: Callable[[DurableContext], T],
    config: ChildConfig[Any],
    scope: BranchScope | None = None,
    acknowledged: bool = True,
    decode_result: bool = True,
) -> Core[T]:
    """A (non-virtual) child as effects: its function run in the child context, its outcome checkpointed."""
    details: WireDict = (op.recorded or {}).get("ContextDetails") or {}
    serdes = declared_serdes(config.serdes or ctx.default_serdes, func)  # a `-> Order` annotation declares Order
    serdes_context = SerDesContext(op.id, ctx.state.durable_execution_arn)
    replay_children = bool(details.get("ReplayChildren"))

    if op.recorded is not None:
        status = op.recorded["Status"]
        if status == OperationStatus.SUCCEEDED and not replay_children:
            payload = details.get("Result")
            result: T = None if payload is None else deserialize(serdes, payload, serdes_context)  # type: ignore[assignment]
            return result
        if status == OperationStatus.FAILED:
            raise operation_error(ChildContextError, details.get("Error"))
    else:
        ctx.state.enqueue(op.update(OperationAction.START))  # observability only: no need to wait for it

    child = ctx.child_context(op.id, scope=scope)
    plugins = ctx.state.plugins
    try:
        value = yield RunBody(func, child, op, None, replay_children=replay_children, enter=child)
        payload = serialize(serdes, value, serdes_context)
        if not decode_result:
            result = value
        elif payload is None:
            result = None
        else:
            result = read_back(serdes, value, payload, serdes_context)  # replay sees the same
        succeed = None if replay_children else _succeed_update(op.update, config, value, payload)
        if replay_children and plugins is not None:  # its SUCCEED is already recorded: reported on every run
            plugins.child_returned(op, None, is_replayed=True)
    except (ExecutionError, InvocationError):
        raise  # the execution or the invocation ends: the child has no outcome of its own
    except Exception as exc:
        ctx.state.raise_if_failed()
        failure = escaped_error_object(exc)
        if scope is not None:
            scope.check()  # a batch branch that finished after its batch completed records nothing
        yield op.update(OperationAction.FAIL, Error=failure)
        raise operation_error(ChildContextError, failure) from None  # what a replay of the FAILED child raises
    if succeed is not None:  # with ReplayChildren the SUCCEED is already recorded and the result was rebuilt
        if scope is not None:
            scope.check()
        if acknowledged:
            yield succeed
        else:
            ctx.state.enqueue(succeed)
    return result


def _run_virtual(
    ctx: DurableContext,
    op: OperationHandle,
    func: Callable[[DurableContext], T],
    config: ChildConfig[Any],
    scope: BranchScope | None,
) -> T:
    """A child that checkpoints nothing itself: it re-runs on every replay, its operations replaying."""
    if op.recorded is not None:
        exc = NonDeterministicExecutionError(
            f"non-deterministic replay at operation {op.id}: the checkpoint records a child context "
            f"{op.label}, but the code now runs it as a virtual (FLAT) context that records none",
            step_id=op.id,
        )
        ctx.state.fail_execution(exc)
        raise exc
    serdes = config.serdes or ctx.default_serdes
    serdes_context = SerDesContext(op.id, ctx.state.durable_execution_arn)
    child = ctx.child_context(op.id, is_virtual=True, scope=scope)
    plugins = ctx.state.plugins
    try:
        with entered(child):
            value = func(child) if plugins is None else plugins.run_user_function(op, None, lambda: func(child))
        payload = serialize(serdes, value, serdes_context)
        result: T = None if payload is None else deserialize(serdes, payload, serdes_context)
    except (ExecutionError, InvocationError):
        raise
    except Exception as exc:
        ctx.state.raise_if_failed()
        failure = escaped_error_object(exc)
        if plugins is not None:  # no checkpoint of its own: its end is reported on every run
            plugins.child_returned(op, failure, is_replayed=False)
        raise operation_error(ChildContextError, failure) from None
    if plugins is not None:
        plugins.child_returned(op, None, is_replayed=False)
    return result


def _succeed_update(
    update: Callable[..., WireDict], config: ChildConfig[Any], value: Any, payload: str | None
) -> WireDict:
    """SUCCEED with the result, or with a summary and ``ReplayChildren`` when the result is too large."""
    if payload is not None and len(payload) > CHECKPOINT_SIZE_LIMIT:
        summary = config.summary_generator(value) if config.summary_generator else ""
        return update(OperationAction.SUCCEED, Payload=summary, ContextOptions={"ReplayChildren": True})
    fields: WireDict = {"ContextOptions": {"ReplayChildren": False}}
    if payload is not None:
        fields["Payload"] = payload
    return update(OperationAction.SUCCEED, **fields)


def durable_with_child_context(
    func: Callable[Concatenate[DurableContext, P], T],
) -> Callable[P, Callable[[DurableContext], T]]:
    """Turn ``f(child_context, *args)`` into ``f(*args)`` returning a child function named ``f``.

    Example
    -------
    >>> @durable_with_child_context
    ... def book(child: DurableContext, order_id: str) -> dict: ...
    >>> context.run_in_child_context(book("o-1"))  # doctest: +SKIP
    """

    return bound(func)
