"""``context.invoke``: call another Lambda function as a CHAINED_INVOKE operation.

START is checkpointed synchronously with ``ChainedInvokeOptions.FunctionName`` and the serialized
payload; the service invokes the target and re-invokes this execution when it has finished. The
caller suspends until then. Replay: SUCCEEDED returns ``ChainedInvokeDetails.Result`` (plain JSON
by default), FAILED / TIMED_OUT / STOPPED raise :class:`InvokeError`, STARTED suspends again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.config import InvokeConfig
from powertools_durable.exceptions import InvokeError, SuspendExecution
from powertools_durable.operations.effects import Core, drive
from powertools_durable.serdes import JsonSerDes, SerDes, SerDesContext, deserialize, serialize
from powertools_durable.service.wire import (
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    WireDict,
    operation_error,
)

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext

P = TypeVar("P")
R = TypeVar("R")

_DEFAULT_CONFIG: InvokeConfig[Any, Any] = InvokeConfig()
_JSON: SerDes[Any] = JsonSerDes()
_FAILED = frozenset({OperationStatus.FAILED, OperationStatus.TIMED_OUT, OperationStatus.STOPPED})


def run_invoke(
    ctx: DurableContext, function_name: str, payload: P, name: str | None, config: InvokeConfig[P, R] | None
) -> R:
    return drive(invoke_core(ctx, function_name, payload, name, config), ctx.state)


def invoke_core(
    ctx: DurableContext, function_name: str, payload: P, name: str | None, config: InvokeConfig[P, R] | None
) -> Core[R]:
    """The invoke as effects: its START acknowledged, then the target's result, its error, or a suspension."""
    config = config or _DEFAULT_CONFIG
    op = ctx.begin_operation(OperationType.CHAINED_INVOKE, OperationSubType.CHAINED_INVOKE, name)
    serdes_context = SerDesContext(op.id, ctx.state.durable_execution_arn)
    if op.recorded is None:
        options: WireDict = {"FunctionName": function_name}
        if config.tenant_id is not None:
            options["TenantId"] = config.tenant_id
        if ctx.state.plugins is not None:  # only a new START carries what plugins propagate
            trace_id = ctx.state.plugins.propagation_metadata(op, function_name).x_amzn_trace_id
            if trace_id is not None:
                options["XAmznTraceId"] = trace_id
        data = serialize(config.serdes_payload or _JSON, payload, serdes_context)
        yield op.update(OperationAction.START, Payload=data, ChainedInvokeOptions=options)
    current = ctx.state.get(op.id) or {}  # the service may have failed the invoke at once (unknown function…)
    details: WireDict = current.get("ChainedInvokeDetails") or {}
    status = current.get("Status")
    if status == OperationStatus.SUCCEEDED:
        result = details.get("Result")
        value: R = None if result is None else deserialize(config.serdes_result or _JSON, result, serdes_context)  # type: ignore[assignment]
        return value
    if status in _FAILED:
        raise operation_error(InvokeError, details.get("Error"))
    raise SuspendExecution(f"invoke {op.label} of {function_name} waits for the target to finish")
