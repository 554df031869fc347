"""Wire names of the durable-execution API (botocore's ``lambda`` service model is the authority).

The engine works on the wire dicts themselves (no model objects on the hot path), so these
constants are the one place that spells the enum values and error fields.
"""

from __future__ import annotations

import traceback
from enum import StrEnum
from typing import Any

from powertools_durable.exceptions import DurableOperationError, SerDesError

# Lambda's synchronous response limit (6 MB) minus room for the envelope around the result.
LAMBDA_RESPONSE_SIZE_LIMIT = 6 * 1024 * 1024 - 50
# The largest operation payload one checkpoint holds (the service's limit). A larger step result
# fails the step; a larger child-context result is rebuilt on replay by re-running the child
# (ContextOptions.ReplayChildren), as the official SDK does.
CHECKPOINT_SIZE_LIMIT = 256 * 1024
_STACK_FRAMES = 20

WireDict = dict[str, Any]


class OperationType(StrEnum):
    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


class OperationStatus(StrEnum):
    STARTED = "STARTED"
    PENDING = "PENDING"
    READY = "READY"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"
    STOPPED = "STOPPED"


class OperationAction(StrEnum):
    START = "START"
    SUCCEED = "SUCCEED"
    FAIL = "FAIL"
    RETRY = "RETRY"
    CANCEL = "CANCEL"


class OperationSubType(StrEnum):
    """Subtypes the SDKs record for their own operations."""

    STEP = "Step"
    WAIT = "Wait"
    CALLBACK = "Callback"
    RUN_IN_CHILD_CONTEXT = "RunInChildContext"
    MAP = "Map"
    MAP_ITERATION = "MapIteration"
    PARALLEL = "Parallel"
    PARALLEL_BRANCH = "ParallelBranch"
    WAIT_FOR_CALLBACK = "WaitForCallback"
    WAIT_FOR_CONDITION = "WaitForCondition"
    CHAINED_INVOKE = "ChainedInvoke"


class InvocationStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"


TERMINAL_STATUSES = frozenset(
    {
        OperationStatus.SUCCEEDED,
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.TIMED_OUT,
        OperationStatus.STOPPED,
    }
)


def error_type_name(exc: BaseException) -> str:
    """The wire ``ErrorType``: the qualified class name, builtins left bare (``ValueError``)."""
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def error_object(exc: BaseException) -> WireDict:
    """An ``ErrorObject`` describing ``exc``; operation errors keep the type they carry."""
    if isinstance(exc, DurableOperationError | SerDesError) and exc.error_type:
        obj: WireDict = {"ErrorType": exc.error_type, "ErrorMessage": exc.message or ""}
        if exc.data is not None:
            obj["ErrorData"] = exc.data
        if exc.stack_trace:
            obj["StackTrace"] = exc.stack_trace
        return obj
    obj = {"ErrorType": error_type_name(exc), "ErrorMessage": str(exc)}
    frames = traceback.format_tb(exc.__traceback__)[-_STACK_FRAMES:]
    if frames:
        obj["StackTrace"] = [line.rstrip("\n") for line in frames]
    return obj


def escaped_error_object(exc: BaseException) -> WireDict:
    """The ``ErrorObject`` of an error escaping a scope (the handler, a child context).

    An operation error that escaped reports its own class (``…StepError``), as the official SDK
    records it; its message, data and stack trace stay the failed operation's.
    """
    obj = error_object(exc)
    if isinstance(exc, DurableOperationError):
        obj["ErrorType"] = error_type_name(exc)
    return obj


def operation_error(cls: type[DurableOperationError], error: WireDict | None) -> DurableOperationError:
    """Rebuild the typed error of a failed operation from its checkpointed ``ErrorObject``.

    ``__cause__`` is set to a plain :class:`DurableOperationError` with the same fields so a
    traceback shows the original error type, identically on the first run and on replay.
    """
    error = error or {}
    fields = (
        error.get("ErrorMessage"),
        error.get("ErrorType"),
        error.get("ErrorData"),
        error.get("StackTrace"),
    )
    exc = cls(*fields)
    exc.__cause__ = DurableOperationError(*fields)
    return exc
