"""Instrumentation plugins: the official SDK's interface, and the one way to observe an execution.

A plugin subclasses :class:`DurableInstrumentationPlugin` and overrides the hooks it needs; what
is registered with ``durable_execution(plugins=[...])`` (or named in ``DURABLE_EXECUTION_PLUGINS``)
is a *factory*, whose ``create_plugin(info)`` builds one plugin instance per invocation. Names,
fields and hook semantics are the official SDK's (``aws_durable_execution_sdk_python.plugin``);
the engine's dispatch lives in :mod:`powertools_durable.replay.instrumentation`.

Every hook runs synchronously on the thread named in its docstring; a hook that raises is logged
and ignored (``KeyboardInterrupt``, ``SystemExit`` and ``GeneratorExit`` excepted), so a plugin
never changes an execution's outcome. Parallel and map branches run their hooks concurrently, on
their own threads: a plugin guards state shared between hooks with a lock.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from powertools_durable.concurrency.batch import ErrorObject
from powertools_durable.service.wire import OperationStatus, WireDict

__all__ = [
    "DurableInstrumentationPlugin",
    "DurableInstrumentationPluginFactory",
    "InvocationEndInfo",
    "InvocationInfo",
    "InvocationStartInfo",
    "InvocationStatus",
    "OperationChangeInfo",
    "OperationEndInfo",
    "OperationInfo",
    "OperationStartInfo",
    "OperationType",
    "PropagationInput",
    "PropagationMetadata",
    "UserFunctionEndInfo",
    "UserFunctionOutcome",
    "UserFunctionStartInfo",
]


class InvocationStatus(Enum):
    """Invocation outcomes exposed to instrumentation plugins."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"
    RETRY = "RETRY"


class OperationType(Enum):
    """Durable operation categories exposed to instrumentation plugins."""

    EXECUTION = "EXECUTION"
    CONTEXT = "CONTEXT"
    STEP = "STEP"
    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    CHAINED_INVOKE = "CHAINED_INVOKE"


_OPERATION_TYPES = {member.value: member for member in OperationType}
_DETAILS = ("StepDetails", "CallbackDetails", "ChainedInvokeDetails", "ContextDetails")
_UTC = datetime.UTC


def _timestamp(value: Any) -> datetime.datetime | None:
    """A wire timestamp (epoch seconds, or a datetime from boto3) as an aware datetime."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.datetime.fromtimestamp(float(value), _UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _details(operation: Mapping[str, Any]) -> Mapping[str, Any]:
    """The operation's ``…Details`` that can hold a result or an error (an operation has one kind)."""
    for details_key in _DETAILS:
        details = operation.get(details_key)
        if details:
            return details  # type: ignore[no-any-return]
    return {}


@dataclass(frozen=True)
class OperationInfo:
    """One operation as plugins see it (a copy: changing it changes nothing in the execution)."""

    operation_id: str
    operation_type: OperationType
    sub_type: str | None
    name: str | None
    parent_id: str | None
    start_time: datetime.datetime | None
    is_replayed: bool
    status: OperationStatus
    end_time: datetime.datetime | None = field(default=None, kw_only=True)
    result: str | None = field(default=None, kw_only=True)
    """The serialized operation result, when available."""
    error: ErrorObject | None = field(default=None, kw_only=True)
    """The operation error, when available."""
    attempt: int | None = field(default=None, kw_only=True)

    @staticmethod
    def from_operation(operation: WireDict, *, is_replayed: bool = False) -> OperationInfo:
        """The info of a checkpointed operation (its wire dict)."""
        details = _details(operation)
        error = details.get("Error")
        info = object.__new__(OperationInfo)  # the generated __init__ of a frozen class costs twice as much
        info.__dict__.update(
            operation_id=operation["Id"],
            operation_type=_OPERATION_TYPES[operation["Type"]],
            sub_type=operation.get("SubType"),
            name=operation.get("Name"),
            parent_id=operation.get("ParentId"),
            start_time=_timestamp(operation.get("StartTimestamp")),
            is_replayed=is_replayed,
            status=OperationStatus(operation["Status"]),
            end_time=_timestamp(operation.get("EndTimestamp")),
            result=details.get("Result"),
            error=ErrorObject.from_dict(error) if isinstance(error, Mapping) else None,
            attempt=(operation.get("StepDetails") or {}).get("Attempt"),
        )
        return info


@dataclass(frozen=True)
class OperationStartInfo(OperationInfo):
    pass


@dataclass(frozen=True)
class OperationEndInfo(OperationInfo):
    pass


@dataclass(frozen=True)
class OperationChangeInfo:
    execution_arn: str | None
    updated_operations: dict[str, OperationInfo]
    operations: dict[str, OperationInfo]


class UserFunctionOutcome(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    INCOMPLETE = "INCOMPLETE"

    @classmethod
    def from_error(cls, error: ErrorObject | None) -> UserFunctionOutcome:
        return cls.SUCCEEDED if error is None else cls.FAILED


@dataclass(frozen=True)
class UserFunctionStartInfo(OperationInfo):
    is_replay_children: bool = False
    """True when a child context's body runs again to rebuild a result too large to checkpoint."""


@dataclass(frozen=True)
class UserFunctionEndInfo(OperationInfo):
    is_replay_children: bool
    outcome: UserFunctionOutcome
    value: Any = field(default=None, kw_only=True, repr=False, compare=False)
    """powertools-durable addition: what the user function returned (``None`` on the official SDK)."""
    exception: BaseException | None = field(default=None, kw_only=True, repr=False, compare=False)
    """powertools-durable addition: the exception the user function raised (``None`` on the official SDK)."""

    @classmethod
    def from_start_info(
        cls,
        start_info: UserFunctionStartInfo,
        error: ErrorObject | None,
        *,
        outcome: UserFunctionOutcome | None = None,
    ) -> UserFunctionEndInfo:
        return UserFunctionEndInfo(
            operation_id=start_info.operation_id,
            operation_type=start_info.operation_type,
            sub_type=start_info.sub_type,
            name=start_info.name,
            parent_id=start_info.parent_id,
            start_time=start_info.start_time,
            is_replayed=start_info.is_replayed,
            status=start_info.status,
            is_replay_children=start_info.is_replay_children,
            attempt=start_info.attempt,
            outcome=outcome if outcome is not None else UserFunctionOutcome.from_error(error),
            end_time=datetime.datetime.now(datetime.UTC),
            error=error,
        )


@dataclass(frozen=True)
class InvocationInfo:
    request_id: str | None
    execution_arn: str | None
    is_first_invocation: bool
    execution_start_time: datetime.datetime | None = None
    execution_input: Any = field(default=None, kw_only=True, repr=False, compare=False, hash=False)
    """The execution's input (a copy); left out of ``repr`` so logging an info never logs customer data."""
    operations: dict[str, OperationInfo] = field(
        default_factory=dict, kw_only=True, repr=False, compare=False, hash=False
    )
    """The checkpointed operations, as at the start (or, on the end info, the end) of the invocation."""


@dataclass(frozen=True)
class InvocationStartInfo(InvocationInfo):
    updated_operations: dict[str, OperationInfo] = field(
        default_factory=dict, kw_only=True, repr=False, compare=False, hash=False
    )
    """The operations the service updated while the execution was suspended (``UpdatedOperationIds``)."""


@dataclass(frozen=True)
class InvocationEndInfo(InvocationInfo):
    status: InvocationStatus = field(kw_only=True)
    error: ErrorObject | None = field(default=None)
    """The invocation error, when available."""
    execution_result: str | None = field(default=None, kw_only=True, repr=False, compare=False, hash=False)
    """The serialized execution result (``""`` when it was checkpointed instead); ``None`` unless SUCCEEDED."""

    @classmethod
    def from_durable_execution_invocation_output(
        cls,
        invocation_start_info: InvocationStartInfo,
        output: Mapping[str, Any],
        operations: dict[str, OperationInfo] | None = None,
    ) -> InvocationEndInfo:
        """The end info of an invocation that returned ``output`` (the output envelope, a dict)."""
        error = output.get("Error")
        return InvocationEndInfo(
            request_id=invocation_start_info.request_id,
            execution_arn=invocation_start_info.execution_arn,
            is_first_invocation=invocation_start_info.is_first_invocation,
            execution_start_time=invocation_start_info.execution_start_time,
            execution_input=invocation_start_info.execution_input,
            operations=operations if operations is not None else invocation_start_info.operations,
            status=InvocationStatus(output["Status"]),
            error=ErrorObject.from_dict(error) if isinstance(error, Mapping) else None,
            execution_result=output.get("Result"),
        )


@dataclass(frozen=True)
class PropagationInput:
    """Identity of a new chained-invoke START, for which plugins may provide propagation metadata."""

    execution_arn: str
    operation_id: str
    target_function_name: str
    parent_operation_id: str | None = None


@dataclass(frozen=True)
class PropagationMetadata:
    """What a plugin contributes to a chained invoke (the X-Ray trace header)."""

    x_amzn_trace_id: str | None = None


class DurableInstrumentationPlugin:
    """Base class for plugins: override only the hooks you need (each default does nothing).

    Threads: ``on_invocation_start`` / ``on_invocation_end`` run on the handler's thread, before the
    handler and after everything else; ``on_operation_start``, ``on_user_function_start`` and
    ``on_user_function_end`` on the thread running the operation (a branch's own thread inside
    ``parallel`` / ``map``); ``on_operation_end`` on the thread that observes the terminal result
    (or the handler's, before ``on_invocation_end``); ``on_operation_change`` after a checkpoint
    response, on the thread that made the checkpoint call.
    """

    def provide_propagation_metadata(self, info: PropagationInput) -> PropagationMetadata | None:
        """Metadata for a new chained invoke's START (never for its replay); the first non-blank wins."""
        return None

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        """Before the handler runs."""

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        """After the invocation's outcome is final, whether it succeeded, failed, suspended or raised."""

    def on_operation_start(self, info: OperationStartInfo) -> None:
        """Before an operation's START is queued, or when a non-terminal operation is replayed."""

    def on_operation_end(self, info: OperationEndInfo) -> None:
        """When an operation reaches a terminal status (once per invocation), before it returns to user code."""

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        """After a checkpoint response changed operations' status."""

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        """Before user code of an operation runs: a step attempt, a condition check, a child context's body."""

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        """After that user code returned, raised, or suspended (``INCOMPLETE``)."""


class DurableInstrumentationPluginFactory(Protocol):
    """Builds one plugin instance for one invocation: what ``plugins=[...]`` holds.

    Register the factory, not a plugin: ``plugins=[MyPluginFactory(exporter)]``. The factory keeps
    what outlives an invocation (an exporter, a configuration); the plugin what does not.
    """

    def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
        """The plugin instance serving the invocation ``info`` describes (a failure is logged and skipped)."""
        ...
