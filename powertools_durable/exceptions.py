"""The error family of durable executions.

Class names, fields and termination reasons follow AWS's official SDK so ``except StepError``
and ``exc.termination_reason`` read the same in both. Two branches matter to the engine: an
:class:`ExecutionError` fails the *execution* (FAILED, no retry), an :class:`InvocationError`
fails only the *invocation*, so Lambda invokes again and the workflow replays from its last
checkpoint.
"""

from __future__ import annotations

import time
from datetime import datetime
from enum import Enum
from typing import Any, Self

_BAD_REQUEST, _TOO_MANY_REQUESTS, _SERVER_ERROR = 400, 429, 500
_INVALID_PARAMETER_VALUE = "InvalidParameterValueException"
_INVALID_CHECKPOINT_TOKEN = "Invalid checkpoint token"
# Error codes Lambda returns as 5xx that no retry can fix (the customer's KMS key is unusable).
_NON_RETRYABLE_CODES = frozenset(
    {"KMSAccessDeniedException", "KMSDisabledException", "KMSInvalidStateException", "KMSNotFoundException"}
)


class TerminationReason(Enum):
    """Why a durable execution (or invocation) ended early; the official SDK's values."""

    UNHANDLED_ERROR = "UNHANDLED_ERROR"
    INVOCATION_ERROR = "INVOCATION_ERROR"
    EXECUTION_ERROR = "EXECUTION_ERROR"
    CHECKPOINT_FAILED = "CHECKPOINT_FAILED"
    NON_DETERMINISTIC_EXECUTION = "NON_DETERMINISTIC_EXECUTION"
    STEP_INTERRUPTED = "STEP_INTERRUPTED"
    SERIALIZATION_ERROR = "SERIALIZATION_ERROR"


class DurableApiErrorCategory(Enum):
    """Whether a failed durable API call is worth another invocation (INVOCATION) or not (EXECUTION)."""

    INVOCATION = "INVOCATION"
    EXECUTION = "EXECUTION"


CheckpointErrorCategory = DurableApiErrorCategory  # the official SDK's older name


class DurableExecutionsError(Exception):
    """Base class of every error this package raises."""


class PluginLoadError(DurableExecutionsError):
    """A dynamically configured instrumentation plugin could not be loaded."""


class ValidationError(DurableExecutionsError):
    """An argument or configuration value is out of its allowed range."""


class InvalidStateError(DurableExecutionsError):
    """An operation was attempted on an object in a state that does not allow it."""


class UnrecoverableError(DurableExecutionsError):
    """Ends the invocation or the execution; ``termination_reason`` says why."""

    def __init__(self, message: str, termination_reason: TerminationReason) -> None:
        super().__init__(message)
        self.termination_reason = termination_reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """Unpickle an error whose ``__init__`` takes other arguments than ``args`` (worker processes)."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class ReplaySafetyError(DurableExecutionsError):
    """``context.now()``, ``uuid4()`` or ``random()`` was called where its value could differ on replay."""


class ExecutionError(UnrecoverableError):
    """The execution cannot go on: it ends FAILED and is not retried."""

    def __init__(self, message: str, termination_reason: TerminationReason = TerminationReason.EXECUTION_ERROR) -> None:
        super().__init__(message, termination_reason)


class NonDeterministicExecutionError(ExecutionError):
    """Replay met an operation other than the one the checkpoint recorded."""

    def __init__(self, message: str, step_id: str | None = None) -> None:
        super().__init__(message, TerminationReason.NON_DETERMINISTIC_EXECUTION)
        self.step_id = step_id


class InvalidEnvelopeError(ExecutionError):
    """The Lambda event is not a durable-execution invocation envelope."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvocationError(UnrecoverableError):
    """This invocation cannot finish; Lambda retries it and the workflow replays."""

    def __init__(
        self, message: str, termination_reason: TerminationReason = TerminationReason.INVOCATION_ERROR
    ) -> None:
        super().__init__(message, termination_reason)

    def is_retryable(self) -> bool:
        """Whether another invocation can succeed; subclasses classify (True by default)."""
        return True


class BotoClientError(InvocationError):
    """A durable API call failed; ``error_category`` says whether another invocation can help.

    ``error`` and ``response_metadata`` are botocore's ``Error`` and ``ResponseMetadata`` of the
    failed call, when there was a response.
    """

    def __init__(
        self,
        message: str,
        error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
        error: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
        termination_reason: TerminationReason = TerminationReason.INVOCATION_ERROR,
    ) -> None:
        super().__init__(message, termination_reason)
        self.error = error
        self.response_metadata = response_metadata
        self.error_category = error_category

    @classmethod
    def from_exception(cls, exception: Exception) -> Self:
        """Built from a botocore ``ClientError`` (or any exception), classified by its code and HTTP status."""
        response: dict[str, Any] = getattr(exception, "response", None) or {}
        error, metadata = response.get("Error"), response.get("ResponseMetadata")
        return cls(str(exception), classify_api_error(error, metadata), error, metadata)

    def is_retryable(self) -> bool:
        return self.error_category is DurableApiErrorCategory.INVOCATION

    is_retriable = is_retryable  # the official SDK's older spelling

    def build_logger_extras(self) -> dict[str, Any]:
        """``Error`` and ``ResponseMetadata`` for a log record's extra keys (PascalCase, as on the wire)."""
        extras: dict[str, Any] = {}
        if self.error:
            extras["Error"] = self.error
        if self.response_metadata:
            extras["ResponseMetadata"] = self.response_metadata
        return extras


def classify_api_error(error: dict[str, Any] | None, metadata: dict[str, Any] | None) -> DurableApiErrorCategory:
    """EXECUTION (no retry can help) for a KMS misconfiguration or a 4xx other than throttling or a stale token."""
    code = (error or {}).get("Code") or ""
    if code in _NON_RETRYABLE_CODES:
        return DurableApiErrorCategory.EXECUTION
    status = (metadata or {}).get("HTTPStatusCode") or 0
    stale_token = code == _INVALID_PARAMETER_VALUE and ((error or {}).get("Message") or "").startswith(
        _INVALID_CHECKPOINT_TOKEN
    )
    if error and _BAD_REQUEST <= status < _SERVER_ERROR and status != _TOO_MANY_REQUESTS and not stale_token:
        return DurableApiErrorCategory.EXECUTION
    return DurableApiErrorCategory.INVOCATION


class CheckpointError(BotoClientError):
    """A CheckpointDurableExecution call failed after its retries."""

    def __init__(
        self,
        message: str,
        error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
        error: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, error_category, error, response_metadata, TerminationReason.CHECKPOINT_FAILED)


class GetExecutionStateError(BotoClientError):
    """A GetDurableExecutionState call failed after its retries."""

    def __init__(
        self,
        message: str,
        error_category: DurableApiErrorCategory = DurableApiErrorCategory.INVOCATION,
        error: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, error_category, error, response_metadata, TerminationReason.INVOCATION_ERROR)


class StepInterruptedError(InvocationError):
    """An AT_MOST_ONCE step was started by an earlier invocation that never finished it."""

    def __init__(self, message: str, step_id: str | None = None) -> None:
        super().__init__(message, TerminationReason.STEP_INTERRUPTED)
        self.step_id = step_id


class RetryableSerDesError(InvocationError):
    """A transient serdes failure (e.g. an offloading serdes timed out): fail the invocation, not the step."""

    def __init__(
        self, message: str, termination_reason: TerminationReason = TerminationReason.SERIALIZATION_ERROR
    ) -> None:
        super().__init__(message, termination_reason)


class SerDesError(DurableExecutionsError):
    """A value could not be serialized to, or read back from, a checkpoint."""

    def __init__(
        self,
        message: str | None = None,
        error_type: str | None = None,
        data: str | None = None,
        stack_trace: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.data = data
        self.stack_trace = stack_trace


class DurableOperationError(DurableExecutionsError):
    """A durable operation failed for good; raised the same way on the first run and on replay.

    ``error_type`` is the type name of the error that escaped the operation (``"ValueError"``),
    not this class; ``__cause__`` is rebuilt from the checkpoint, never the live exception, so a
    replay sees exactly what the first run saw.
    """

    def __init__(
        self,
        message: str | None = None,
        error_type: str | None = None,
        data: str | None = None,
        stack_trace: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type or f"{type(self).__module__}.{type(self).__qualname__}"
        self.data = data
        self.stack_trace = stack_trace

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.error_type, self.data, self.stack_trace))

    @classmethod
    def from_error_fields(
        cls, error_type: str | None, message: str | None, data: str | None, stack_trace: list[str] | None
    ) -> DurableOperationError:
        """Rebuild the operation error a checkpoint recorded: this package's own class named by ``error_type``.

        Only the operation-error classes defined here can be chosen; any other ``error_type``
        (a user's exception, a downstream function's error) gives a plain
        :class:`DurableOperationError`, so no constructor the payload names is ever called.
        """
        target = _OPERATION_ERRORS.get((error_type or "").rsplit(".", 1)[-1], DurableOperationError)
        if error_type and not error_type.startswith(("powertools_durable.", "aws_durable_execution_sdk_python.")):
            target = DurableOperationError
        return target(message=message, error_type=error_type, data=data, stack_trace=stack_trace)


class StepError(DurableOperationError):
    """A step failed: its attempts are exhausted or its error is not retryable."""


class ChildContextError(DurableOperationError):
    """A child context failed."""


class InvokeError(DurableOperationError):
    """A chained invoke of another function failed."""


class CallbackError(DurableOperationError):
    """A callback failed."""


class CallbackExternalError(CallbackError):
    """The external system answered the callback with a failure."""


class CallbackTimeoutError(CallbackError):
    """The callback (or its heartbeat) timed out."""


class CallbackSubmitterError(CallbackError):
    """The submitter of ``wait_for_callback`` failed."""


class WaitForConditionError(DurableOperationError):
    """A wait_for_condition operation failed."""


_OPERATION_ERRORS: dict[str, type[DurableOperationError]] = {
    cls.__qualname__: cls
    for cls in (
        StepError,
        InvokeError,
        ChildContextError,
        WaitForConditionError,
        CallbackError,
        CallbackExternalError,
        CallbackTimeoutError,
        CallbackSubmitterError,
    )
}


class SuspendExecution(BaseException):
    """Ends the invocation with PENDING; the service re-invokes when the workflow can go on.

    A ``BaseException`` on purpose: user code that catches ``Exception`` around a wait or a
    retrying step must not swallow the suspension.
    """


class TimedSuspendExecution(SuspendExecution):
    """A suspension that knows when the workflow can go on: ``scheduled_timestamp`` (Unix seconds)."""

    def __init__(self, message: str, scheduled_timestamp: float) -> None:
        super().__init__(message)
        self.scheduled_timestamp = scheduled_timestamp

    @classmethod
    def from_delay(cls, message: str, delay_seconds: int) -> TimedSuspendExecution:
        """Resume ``delay_seconds`` from now."""
        return cls(message, scheduled_timestamp=time.time() + delay_seconds)

    @classmethod
    def from_datetime(cls, message: str, datetime_timestamp: datetime) -> TimedSuspendExecution:
        """Resume at ``datetime_timestamp``."""
        return cls(message, scheduled_timestamp=datetime_timestamp.timestamp())


class OrphanedChildException(BaseException):
    """A branch of a parallel / map that already completed tried to run another durable operation.

    A ``BaseException``, like suspension, so user code catching ``Exception`` cannot swallow it: the
    branch stops at its next operation and records nothing more.
    """

    def __init__(self, message: str, operation_id: str = "") -> None:
        super().__init__(message)
        self.operation_id = operation_id


class DurableContextNotFoundError(DurableExecutionsError):
    """``get_durable_context()`` was called outside a running durable handler."""
