"""One invocation, end to end: envelope in -> context -> user code -> envelope out.

Outcomes: SUCCEEDED with the JSON result, FAILED with an ErrorObject, PENDING when the
workflow suspended. An :class:`InvocationError` (a checkpoint that could not be written)
is raised instead, so Lambda retries the invocation and nothing is reported that was not
recorded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from powertools_durable.context import DurableContext
from powertools_durable.current import current_context
from powertools_durable.exceptions import (
    DurableContextNotFoundError,
    ExecutionError,
    InvocationError,
    SerDesError,
    SuspendExecution,
    ValidationError,
)
from powertools_durable.replay.override import invocation_override
from powertools_durable.replay.state import ExecutionState
from powertools_durable.serdes import SerDes
from powertools_durable.service.client import DurableServiceClient
from powertools_durable.service.envelope import parse_invocation
from powertools_durable.service.wire import (
    LAMBDA_RESPONSE_SIZE_LIMIT,
    InvocationStatus,
    OperationAction,
    OperationType,
    WireDict,
    error_object,
    escaped_error_object,
)

if TYPE_CHECKING:
    from powertools_durable.aio.context import AsyncDurableContext

logger = logging.getLogger(__name__)

SyncUserHandler = Callable[[Any, DurableContext], Any]
# ``async def handler(event, context: AsyncDurableContext)`` too: detected, and run on an event loop.
UserHandler = SyncUserHandler | Callable[[Any, "AsyncDurableContext"], Awaitable[Any]]


def get_durable_context() -> DurableContext:
    """The :class:`DurableContext` of the running invocation, from anywhere in its call stack.

    Inside ``run_in_child_context`` (and ``wait_for_callback``) this is the child context.

    Raises
    ------
    DurableContextNotFoundError
        When called outside a durable handler.
    """
    ctx = current_context.get()
    if ctx is None:
        raise DurableContextNotFoundError(
            "get_durable_context() was called outside a durable handler: "
            "decorate the Lambda handler with @durable_handler (or @durable_execution)"
        )
    return ctx


def run_invocation(
    handler: UserHandler,
    event: Any,
    lambda_context: Any,
    client: DurableServiceClient,
    *,
    context_logger: Any = None,
    serdes: SerDes[Any] | None = None,
    decode_input: Callable[[Any], Any] | None = None,
    plugins: Sequence[Any] = (),
    log_replay: bool = False,
) -> WireDict:
    """Run ``handler`` for one invocation and return the output envelope.

    ``decode_input`` turns the execution's JSON input into what the handler receives (the
    middleware uses it for ``model=``); an exception from it fails the execution.
    ``log_replay`` keeps ``context.logger``'s records while replaying (off, as in the official SDK).
    ``plugins`` are instrumentation plugin factories (already checked by ``load_configured_plugins``).
    """
    override = invocation_override.get()
    if override is not None:  # a tool re-running the handler (the replayer): its client
        client = override.client
    envelope = parse_invocation(event)
    state = ExecutionState(envelope.durable_execution_arn, envelope.checkpoint_token, envelope.operations, client)
    state.page_in(envelope.next_marker)
    state.seal_replay()
    ctx = DurableContext(state, lambda_context, logger=context_logger, serdes=serdes, log_replay=log_replay)
    if override is not None:  # ... which sees the root context, and stops any step body before it runs
        state.step_guard = override.guard_step
        override.on_context(ctx)
    token = current_context.set(ctx)
    try:
        if not plugins:
            return _run(handler, ctx, state, decode_input)
        from powertools_durable.replay.instrumentation import PluginRunner  # noqa: PLC0415 - only with plugins

        runner = PluginRunner.start(
            plugins, state, lambda_context, _input_for_plugins(state), envelope.updated_operation_ids
        )
        try:
            output = _run(handler, ctx, state, decode_input)
        except BaseException as exc:
            runner.end_invocation({"Status": "RETRY", "Error": error_object(exc)})  # Lambda retries it
            raise
        runner.end_invocation(output)
        return output
    finally:
        current_context.reset(token)


def _run(
    handler: UserHandler, ctx: DurableContext, state: ExecutionState, decode_input: Callable[[Any], Any] | None
) -> WireDict:
    """Run the handler and turn how it ended into the output envelope."""
    try:
        user_input = _read_input(state)
        if decode_input is not None:
            user_input = decode_input(user_input)
        if _is_async(handler):
            from powertools_durable.aio.runner import run_async_handler  # noqa: PLC0415 - asyncio on use

            result = run_async_handler(handler, user_input, ctx)
        else:
            result = cast("SyncUserHandler", handler)(user_input, ctx)
            if hasattr(result, "__await__"):
                raise _async_under_sync_decorator(handler, result)
    except SuspendExecution:
        state.raise_if_failed()
        if state.fatal_error is not None:
            return _failed(state, state.fatal_error)
        state.flush()
        return {"Status": InvocationStatus.PENDING.value}
    except InvocationError:
        raise
    except Exception as exc:
        state.raise_if_failed()
        logger.debug("durable execution %s failed", state.durable_execution_arn, exc_info=True)
        return _failed(state, state.fatal_error or exc)
    state.raise_if_failed()
    if state.fatal_error is not None:  # user code caught it; the execution still must not diverge
        return _failed(state, state.fatal_error)
    return _succeeded(state, result)


def _input_for_plugins(state: ExecutionState) -> Any:
    """The execution's input as plugins see it (``None`` when it is not JSON: the handler reports that)."""
    try:
        return _read_input(state)
    except ExecutionError:
        return None


def _is_async(handler: Any) -> bool:
    """An ``async def`` handler (or a callable object with an ``async def __call__``)."""
    code = getattr(handler, "__code__", None) or getattr(getattr(handler, "__call__", None), "__code__", None)  # noqa: B004
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


def _async_under_sync_decorator(handler: Any, result: Any) -> ValidationError:
    """A sync handler returned an awaitable: an ``async def`` under a synchronous decorator, never run."""
    close = getattr(result, "close", None)
    if close is not None:
        close()  # never awaited, on purpose: no "never awaited" warning
    name = getattr(handler, "__qualname__", None) or type(handler).__name__
    return ValidationError(
        f"the handler {name} returned a {type(result).__name__} instead of a result: it is an async def "
        "wrapped by a synchronous decorator between it and the durable decorator (Powertools' "
        "inject_lambda_context, log_metrics and capture_lambda_handler are synchronous). Put those "
        "decorators above @durable_handler / @durable_execution (which run the async handler to its end), "
        "or pass logger=, tracer= and metrics= to durable_handler"
    )


_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect on every cold start


def _read_input(state: ExecutionState) -> Any:
    payload = (state.execution_operation().get("ExecutionDetails") or {}).get("InputPayload")
    if not payload or not payload.strip():
        return {}
    try:
        return json.loads(payload)
    except json.JSONDecodeError as exc:
        raise ExecutionError(f"the execution's input is not valid JSON: {exc}") from exc


def _succeeded(state: ExecutionState, result: Any) -> WireDict:
    try:
        serialized = json.dumps(result)
    except (TypeError, ValueError) as exc:
        return _failed(
            state, SerDesError(f"the handler's result of type {type(result).__name__} is not JSON serializable: {exc}")
        )
    state.flush()
    if len(serialized) > LAMBDA_RESPONSE_SIZE_LIMIT:
        # Too large for Lambda's response: record it on the EXECUTION operation instead.
        state.checkpoint(_execution_update(state, OperationAction.SUCCEED, Payload=serialized))
        return {"Status": InvocationStatus.SUCCEEDED.value, "Result": ""}
    return {"Status": InvocationStatus.SUCCEEDED.value, "Result": serialized}


def _failed(state: ExecutionState, exc: Exception) -> WireDict:
    error = escaped_error_object(exc)
    state.flush()
    output: WireDict = {"Status": InvocationStatus.FAILED.value, "Error": error}
    if len(json.dumps(output)) > LAMBDA_RESPONSE_SIZE_LIMIT:
        state.checkpoint(_execution_update(state, OperationAction.FAIL, Error=error))
        return {"Status": InvocationStatus.FAILED.value}
    return output


def _execution_update(state: ExecutionState, action: str, **fields: Any) -> WireDict:
    return {"Id": state.execution_operation()["Id"], "Type": OperationType.EXECUTION.value, "Action": action, **fields}


def __getattr__(name: str) -> Any:
    """``durable_execution`` here too, where the official SDK keeps it (resolved late: handler imports this module)."""
    if name != "durable_execution":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from powertools_durable.handler import durable_execution  # noqa: PLC0415 - import cycle

    return durable_execution
