"""Reading the invocation envelope Lambda hands a durable function.

Checked by hand rather than through the pydantic models so a cold start does not pay for
importing pydantic and a 10k-operation replay does not pay for validating every operation;
each check names the field that is wrong. :mod:`powertools_durable.service.models` holds the
full pydantic models for users and the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from powertools_durable.exceptions import InvalidEnvelopeError
from powertools_durable.service.wire import OperationType, WireDict


@dataclass(frozen=True)
class InvocationInput:
    """The parts of the envelope the engine uses."""

    durable_execution_arn: str
    checkpoint_token: str
    operations: list[WireDict]
    next_marker: str | None
    updated_operation_ids: tuple[str, ...] = ()
    """``UpdatedOperationIds``: what the service changed while the execution was suspended (plugins read it)."""


def _fail(field: str, problem: str) -> InvalidEnvelopeError:
    return InvalidEnvelopeError(
        f"not a durable-execution invocation: {field} {problem}. "
        "Is the function deployed with DurableConfig, and invoked through the durable-execution service?",
        field=field,
    )


def _require_str(event: dict[str, Any], field: str) -> str:
    value = event.get(field)
    if value is None:
        raise _fail(field, "is missing")
    if not isinstance(value, str) or not value:
        raise _fail(field, f"must be a non-empty string, got {type(value).__name__}")
    return value


def operation_problem(op: Any) -> tuple[str, str] | None:
    """What is wrong with ``op`` as an operation: ``(field suffix, problem)``, ``None`` when nothing is.

    An operation must carry ``Id``, ``Type`` and ``Status`` as strings.
    """
    if not isinstance(op, dict):
        return "", f"must be an object, got {type(op).__name__}"
    for field in ("Id", "Type", "Status"):
        if not isinstance(op.get(field), str):
            return f".{field}", "is missing or not a string"
    return None


def check_operation(op: Any, where: str) -> WireDict:
    """Check the fields every operation must carry; raise :class:`InvalidEnvelopeError` naming the one that is wrong."""
    problem = operation_problem(op)
    if problem is not None:
        raise _fail(where + problem[0], problem[1])
    result: WireDict = op
    return result


def parse_invocation(event: Any) -> InvocationInput:
    """Validate ``event`` and return its parts; raise :class:`InvalidEnvelopeError` naming the field."""
    if not isinstance(event, dict):
        raise _fail("event", f"must be a JSON object, got {type(event).__name__}")
    arn = _require_str(event, "DurableExecutionArn")
    token = _require_str(event, "CheckpointToken")
    state = event.get("InitialExecutionState")
    if state is None:
        raise _fail("InitialExecutionState", "is missing")
    if not isinstance(state, dict):
        raise _fail("InitialExecutionState", f"must be an object, got {type(state).__name__}")
    operations = state.get("Operations")
    if not isinstance(operations, list):
        raise _fail("InitialExecutionState.Operations", "is missing or not a list")
    for index, op in enumerate(operations):
        # Inline test of what check_operation checks: one call per operation is a tenth of a replay.
        if not (
            type(op) is dict
            and type(op.get("Id")) is str
            and type(op.get("Type")) is str
            and type(op.get("Status")) is str
        ):
            check_operation(op, f"InitialExecutionState.Operations[{index}]")
    marker = state.get("NextMarker") or None
    if marker is not None and not isinstance(marker, str):
        raise _fail("InitialExecutionState.NextMarker", "must be a string")
    if marker is None and not any(op["Type"] == OperationType.EXECUTION for op in operations):
        raise _fail("InitialExecutionState.Operations", "holds no EXECUTION operation")
    updated = event.get("UpdatedOperationIds") or ()
    if not isinstance(updated, list | tuple) or not all(isinstance(op_id, str) for op_id in updated):
        raise _fail("UpdatedOperationIds", "must be a list of operation ids")
    return InvocationInput(arn, token, operations, marker, tuple(updated))
