"""The error family of durable executions.

Class names follow AWS's official SDK so ``except StepError`` reads the same in both.
Two branches matter to the engine: an :class:`ExecutionError` fails the *execution*
(FAILED, no retry), an :class:`InvocationError` fails only the *invocation*, so Lambda
invokes again and the workflow replays from its last checkpoint.
"""

from __future__ import annotations

from typing import Any


class DurableExecutionsError(Exception):
    """Base class of every error this package raises."""


class ValidationError(DurableExecutionsError):
    """An argument or configuration value is out of its allowed range."""


class ReplaySafetyError(DurableExecutionsError):
    """``context.now()``, ``uuid4()`` or ``random()`` was called where its value could differ on replay."""


class ExecutionError(DurableExecutionsError):
    """The execution cannot go on: it ends FAILED and is not retried."""


class NonDeterministicExecutionError(ExecutionError):
    """Replay met an operation other than the one the checkpoint recorded."""

    def __init__(self, message: str, step_id: str | None = None) -> None:
        super().__init__(message)
        self.step_id = step_id


class InvalidEnvelopeError(ExecutionError):
    """The Lambda event is not a durable-execution invocation envelope."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvocationError(DurableExecutionsError):
    """This invocation cannot finish; Lambda retries it and the workflow replays."""


class CheckpointError(InvocationError):
    """A CheckpointDurableExecution call failed after its retries."""


class GetExecutionStateError(InvocationError):
    """A GetDurableExecutionState call failed after its retries."""


class StepInterruptedError(InvocationError):
    """An AT_MOST_ONCE step was started by an earlier invocation that never finished it."""

    def __init__(self, message: str, step_id: str | None = None) -> None:
        super().__init__(message)
        self.step_id = step_id


class RetryableSerDesError(InvocationError):
    """A transient serdes failure (e.g. an offloading serdes timed out): fail the invocation, not the step."""


class SerDesError(DurableExecutionsError):
    """A value could not be serialized to, or read back from, a checkpoint."""

    def __init__(
        self,
        message: str,
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


class SuspendExecution(BaseException):
    """Ends the invocation with PENDING; the service re-invokes when the workflow can go on.

    A ``BaseException`` on purpose: user code that catches ``Exception`` around a wait or a
    retrying step must not swallow the suspension.
    """


class DurableContextNotFoundError(DurableExecutionsError):
    """``get_durable_context()`` was called outside a running durable handler."""
