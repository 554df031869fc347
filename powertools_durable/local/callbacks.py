"""SendDurableExecutionCallbackSuccess / Failure / Heartbeat: the outside world answers a callback.

A callback id names its execution and operation (URL-safe base64 of both), so an answer finds
them without an index. An answer is one commit: the CALLBACK operation's new state, its
``CallbackSucceeded`` / ``CallbackFailed`` event, and the execution marked to be invoked again
(after the invocation in flight, if there is one). A heartbeat only restarts the heartbeat timeout.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from powertools_durable.local import history
from powertools_durable.local.arns import parse_callback_id
from powertools_durable.local.effects import Reinvoke
from powertools_durable.local.errors import CallbackTimeoutError, InvalidParameterValueError, ResourceNotFoundError
from powertools_durable.local.executions import RUNNING, ExecutionService
from powertools_durable.local.shapes import validation_message
from powertools_durable.local.store import Commit
from powertools_durable.local.transitions import InvalidUpdateError, complete_callback, heartbeat
from powertools_durable.service.models import ErrorObjectModel
from powertools_durable.service.wire import OperationStatus, OperationType, WireDict

Change = Callable[[WireDict, int], WireDict]


class CallbackService:
    """The three callback operations, over an :class:`ExecutionService`."""

    def __init__(self, service: ExecutionService) -> None:
        self.service = service

    def succeed(self, callback: str, result: str | None) -> WireDict:
        return self._answer(callback, lambda op, now: complete_callback(op, now, result=result), wakes=True)

    def fail(self, callback: str, error: object) -> WireDict:
        try:
            error_object = ErrorObjectModel.model_validate(error or {}).model_dump(exclude_none=True)
        except ValidationError as exc:
            raise InvalidParameterValueError(validation_message(exc, "Error.")) from exc
        return self._answer(callback, lambda op, now: complete_callback(op, now, error=error_object), wakes=True)

    def heartbeat(self, callback: str) -> WireDict:
        return self._answer(callback, heartbeat, wakes=False)

    def _answer(self, callback: str, change: Change, *, wakes: bool) -> WireDict:
        arn, operation_id = parse_callback_id(callback)
        with self.service.locked(arn):
            record = self.service.store.get(arn)
            operation = next((op for op in self.service.store.operations(arn) if op["Id"] == operation_id), None)
            if record is None or operation is None or operation["Type"] != OperationType.CALLBACK:
                raise ResourceNotFoundError(f"Callback not found: {callback}")
            if operation["Status"] == OperationStatus.TIMED_OUT:
                raise CallbackTimeoutError(f"Callback {callback} timed out")
            if record.status != RUNNING:
                raise InvalidParameterValueError(f"Durable execution {arn} is {record.status}")
            now = self.service.clock.now_ms()
            try:
                answered = change(operation, now)
            except InvalidUpdateError as exc:
                raise InvalidParameterValueError(str(exc)) from exc
            events = [history.callback_ended(answered, now)] if wakes else []
            if wakes:
                record.invoke_at_ms = now
                record.updated_ids = [*record.updated_ids, operation_id]
            self.service.store.commit(Commit(record, [answered], events))
        if wakes:
            self.service.on_effects([Reinvoke(arn)])
        return {}
