"""``context.create_callback``: a CALLBACK operation an external system answers.

START is checkpointed synchronously: the service's answer carries the ``CallbackId`` the caller
hands to the external system. :meth:`Callback.result` reads the operation's status: SUCCEEDED
returns the answer (as sent, unless a serdes reads it), FAILED raises
:class:`CallbackExternalError`, TIMED_OUT (overall or heartbeat timeout) raises
:class:`CallbackTimeoutError`, anything else suspends until the service re-invokes with the answer.
Creating the callback never raises on its outcome, so the code between ``create_callback`` and
``result()`` runs the same on every replay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from powertools_durable.config import CallbackConfig
from powertools_durable.exceptions import (
    CallbackError,
    CallbackExternalError,
    CallbackTimeoutError,
    DurableOperationError,
    SuspendExecution,
)
from powertools_durable.operations.effects import Core, drive
from powertools_durable.serdes import PassThroughSerDes, SerDes, SerDesContext, deserialize
from powertools_durable.service.wire import OperationAction, OperationStatus, OperationSubType, OperationType, WireDict

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext
    from powertools_durable.replay.state import ExecutionState

T = TypeVar("T")

_DEFAULT_CONFIG = CallbackConfig()
_PASS_THROUGH: SerDes[Any] = PassThroughSerDes()
_FAILED = frozenset({OperationStatus.FAILED, OperationStatus.CANCELLED, OperationStatus.STOPPED})


class Callback(Generic[T]):
    """A callback created by ``create_callback``: its id, and the answer once the service has it.

    Parameters
    ----------
    callback_id
        The id the external system answers with (SendDurableExecutionCallbackSuccess / Failure /
        Heartbeat).
    operation_id
        The CALLBACK operation's id.
    state
        The execution's state, where the answer arrives.
    serdes
        How the answer is read; ``None`` returns the payload string as sent.
    """

    def __init__(
        self, callback_id: str, operation_id: str, state: ExecutionState, serdes: SerDes[T] | None = None
    ) -> None:
        self.callback_id = callback_id
        self.operation_id = operation_id
        self.state = state
        self.serdes = serdes

    def result(self) -> T | None:
        """The external system's answer; suspends the execution until there is one.

        Raises
        ------
        CallbackExternalError
            The external system answered with a failure.
        CallbackTimeoutError
            The callback timed out, or its heartbeat did.
        """
        op = self.state.get(self.operation_id)
        if op is None:
            raise CallbackError(f"callback operation {self.operation_id} does not exist")
        details: WireDict = op.get("CallbackDetails") or {}
        status = op["Status"]
        if status == OperationStatus.SUCCEEDED:
            payload = details.get("Result")
            if payload is None:
                return None
            context = SerDesContext(self.operation_id, self.state.durable_execution_arn)
            result: T = deserialize(self.serdes or _PASS_THROUGH, payload, context)
            return result
        if status == OperationStatus.TIMED_OUT:
            _raise(CallbackTimeoutError, details.get("Error"), "Callback timed out")
        if status in _FAILED:
            _raise(CallbackExternalError, details.get("Error"), "Callback failed")
        raise SuspendExecution(f"callback {self.operation_id} waits for its answer")


def _raise(cls: type[CallbackError], error: WireDict | None, default_message: str) -> NoReturn:
    """Raise ``cls`` with the answer's message and data; the external error's own type is its cause."""
    error = error or {}
    exc = cls(error.get("ErrorMessage") or default_message, None, error.get("ErrorData"), error.get("StackTrace"))
    cause = DurableOperationError(exc.message, error.get("ErrorType"), exc.data, exc.stack_trace)
    raise exc from cause


def create_callback(ctx: DurableContext, name: str | None, config: CallbackConfig | None) -> Callback[Any]:
    return drive(callback_core(ctx, name, config), ctx.state)


def callback_core(ctx: DurableContext, name: str | None, config: CallbackConfig | None) -> Core[Callback[Any]]:
    """The callback as effects: its START acknowledged (the answer carries its id), then the callback."""
    config = config or _DEFAULT_CONFIG
    op = ctx.begin_operation(OperationType.CALLBACK, config.sub_type or OperationSubType.CALLBACK, name)
    if op.recorded is None:
        options = {
            "TimeoutSeconds": config.timeout_seconds,
            "HeartbeatTimeoutSeconds": config.heartbeat_timeout_seconds,
        }
        yield op.update(OperationAction.START, CallbackOptions=options)  # the id comes back in the answer
    current = ctx.state.get(op.id) or {}
    callback_id = (current.get("CallbackDetails") or {}).get("CallbackId")
    if not callback_id:
        raise CallbackError(f"the service recorded no CallbackId for callback {op.label}")
    return Callback(callback_id, op.id, ctx.state, config.serdes)
