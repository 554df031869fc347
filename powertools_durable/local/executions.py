"""The durable-execution service: the API's operations over the store, one execution at a time.

Every change of an execution happens under that execution's lock and is one store
:class:`~powertools_durable.local.store.Commit` (record, operations, events together), so a
checkpoint is all or nothing and the history is appended in the order things happened.
Updates go through :mod:`~powertools_durable.local.transitions` (the same rules as the
in-memory fake of the unit tests); events come from :mod:`~powertools_durable.local.history`.
Invocations and timers are the :class:`~powertools_durable.local.scheduler.Scheduler`'s.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

from pydantic import ValidationError

from powertools_durable.local import arns, history
from powertools_durable.local.clock import Clock
from powertools_durable.local.errors import (
    AlreadyStartedError,
    InvalidParameterValueError,
    ResourceNotFoundError,
)
from powertools_durable.local.invoker import FunctionLike
from powertools_durable.local.shapes import limit, parse_marker, validation_message, wire_operation
from powertools_durable.local.store import Commit, ConflictError, ExecutionRecord, Store
from powertools_durable.local.transitions import InvalidUpdateError, apply_update
from powertools_durable.service.models import CheckpointDurableExecutionRequestModel, ErrorObjectModel
from powertools_durable.service.wire import OperationStatus, OperationType, WireDict

RUNNING = "RUNNING"
DEFAULT_EXECUTION_TIMEOUT = 86_400

Listener = Callable[[ExecutionRecord], None]


class _ExecutionLock:
    """One execution's lock and how many threads hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class ExecutionService:
    """Start, checkpoint, read and stop durable executions of the template's functions."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        functions: Mapping[str, FunctionLike],
        *,
        region: str = arns.DEFAULT_REGION,
        page_size: int = 1000,
    ) -> None:
        self.store = store
        self.clock = clock
        self.functions = functions
        self.region = region
        self.page_size = page_size
        self._locks: dict[str, _ExecutionLock] = {}  # only executions someone holds or waits for
        self._locks_guard = threading.Lock()
        self._listeners: dict[str, list[Listener]] = {}
        self.on_started: Callable[[ExecutionRecord], None] = lambda record: None
        self.on_ended: Callable[[ExecutionRecord], None] = lambda record: None
        self.on_runnable: Callable[[str], None] = lambda arn: None
        self.on_chained_start: Callable[[str, WireDict], WireDict] = lambda arn, update: {}
        self.on_child_ended: Callable[[ExecutionRecord], None] = lambda record: None

    # -- plumbing ------------------------------------------------------------------------

    @contextmanager
    def locked(self, arn: str) -> Iterator[None]:
        """Hold ``arn``'s lock; the lock exists only while someone holds or waits for it (bounded memory)."""
        with self._locks_guard:
            lock = self._locks.get(arn)
            if lock is None:
                lock = self._locks[arn] = _ExecutionLock()
            lock.users += 1
        try:
            with lock.lock:
                yield
        finally:
            with self._locks_guard:
                lock.users -= 1
                if lock.users == 0:
                    del self._locks[arn]

    def memory_footprint(self) -> dict[str, int]:
        """How many executions have in-memory state here (tests and the soak benchmark watch it stay bounded)."""
        return {"locks": len(self._locks), "listeners": len(self._listeners)}

    def function(self, identifier: str) -> tuple[FunctionLike, str | None]:
        """The template function a request names (name, partial ARN or ARN) and its qualifier."""
        ref = arns.parse_function(identifier)
        spec = self.functions.get(ref.name) if ref else None
        if ref is None or spec is None:
            raise ResourceNotFoundError(f"Function not found: {arns.function_arn(identifier, region=self.region)}")
        return spec, ref.qualifier

    def record(self, arn: str) -> ExecutionRecord:
        record = self.store.get(arn)
        if record is None:
            raise ResourceNotFoundError(f"Durable execution not found: {arn}")
        return record

    def new_token(self, record: ExecutionRecord) -> str:
        return f"{record.invocation_id}.{secrets.token_urlsafe(12)}"

    def add_listener(self, arn: str, listener: Listener) -> None:
        """Call ``listener`` once the execution ends (at once if it already has)."""
        with self.locked(arn):
            record = self.record(arn)
            if record.status == RUNNING:
                self._listeners.setdefault(arn, []).append(listener)
                return
        listener(record)

    def remove_listener(self, arn: str, listener: Listener) -> None:
        with self.locked(arn), suppress(ValueError):
            listeners = self._listeners.get(arn, [])
            listeners.remove(listener)
            if not listeners:
                del self._listeners[arn]

    def finish(
        self,
        record: ExecutionRecord,
        status: str,
        now: int,
        *,
        result: str | None = None,
        error: WireDict | None = None,
        events: list[WireDict] | None = None,
        operations: list[WireDict] | None = None,
        expect_invocation: str | None = None,
        logs: tuple[str, str] | None = None,
    ) -> None:
        """End ``record`` with ``status``: terminal event after ``events``, in one commit (lock held)."""
        exec_id = arns.execution_id(record.arn)
        record.status, record.end_ms, record.result, record.error = status, now, result, error
        record.token = record.invocation_id = record.invocation_start_ms = record.invoke_at_ms = None
        ops = {op["Id"]: op for op in self.store.operations(record.arn) if op["Id"] == exec_id}
        ops.update({op["Id"]: op for op in operations or []})
        execution_op = dict(ops.get(exec_id) or {}, Status=status, EndTimestamp=now)
        ops[exec_id] = execution_op
        ended = history.execution_ended(status, exec_id, now, result=result, error=error)
        self.store.commit(
            Commit(record, list(ops.values()), [*(events or []), ended], expect_invocation=expect_invocation, logs=logs)
        )
        for listener in self._listeners.pop(record.arn, []):
            listener(record)
        self.on_ended(record)
        if record.parent_arn is not None:
            self.on_child_ended(record)

    # -- Invoke --------------------------------------------------------------------------

    def start(
        self, function: str, payload: str, *, name: str | None = None, parent: tuple[str, str] | None = None
    ) -> tuple[ExecutionRecord, bool]:
        """Start an execution (idempotent on ``name``; ``parent``: the chained invoke it runs for)."""
        spec, qualifier = self.function(function)
        if spec.durable is None:
            raise InvalidParameterValueError(f"function {spec.function_name} has no DurableConfig")
        if name is not None and not arns.EXECUTION_NAME.match(name):
            raise InvalidParameterValueError(
                f"DurableExecutionName {name!r} must be 1-64 characters of letters, digits, '-' and '_'"
            )
        exec_id = str(uuid.uuid4())
        name = name or exec_id
        qualifier = qualifier or arns.LATEST
        now = self.clock.now_ms()
        timeout = spec.durable.execution_timeout or DEFAULT_EXECUTION_TIMEOUT
        record = ExecutionRecord(
            arn=arns.execution_arn(spec.function_name, qualifier, name, exec_id, region=self.region),
            function_name=spec.function_name,
            qualifier=qualifier,
            name=name,
            input_payload=payload,
            start_ms=now,
            execution_timeout=timeout,
            invoke_at_ms=now,
            retention_days=spec.durable.retention_period_in_days,
            parent_arn=parent[0] if parent else None,
            parent_operation=parent[1] if parent else None,
        )
        operation: WireDict = {
            "Id": exec_id,
            "Type": OperationType.EXECUTION.value,
            "Status": OperationStatus.STARTED.value,
            "StartTimestamp": now,
            "ExecutionDetails": {"InputPayload": payload},
        }
        started = history.execution_started(exec_id, payload, timeout, now)
        existing, created = self.store.create(Commit(record, [operation], [started]))
        if not created and existing.input_payload != payload:
            raise AlreadyStartedError(
                f"Durable execution {name} of {spec.function_name} was already started with another payload"
            )
        if created:
            self.on_started(existing)
        return existing, created

    # -- CheckpointDurableExecution / GetDurableExecutionState ---------------------------

    def checkpoint(self, arn: str, body: Any) -> WireDict:
        try:
            request = CheckpointDurableExecutionRequestModel.model_validate(body)
        except ValidationError as exc:
            raise InvalidParameterValueError(validation_message(exc)) from exc
        updates = [u.model_dump(exclude_none=True) for u in request.Updates]
        with self.locked(arn):
            record = self._current(arn, request.CheckpointToken, exact=True)
            operations = {op["Id"]: op for op in self.store.operations(arn)}
            now = self.clock.now_ms()
            changed: dict[str, WireDict] = {}
            events: list[WireDict] = []
            for index, update in enumerate(updates):
                before = operations.get(update["Id"])
                try:
                    after = apply_update(update, before, now)
                except InvalidUpdateError as exc:
                    raise InvalidParameterValueError(f"Updates[{index}]: {exc}") from exc
                if update["Type"] == OperationType.CALLBACK:
                    after["CallbackDetails"] = {"CallbackId": arns.callback_id(arn, update["Id"])}
                elif update["Type"] == OperationType.CHAINED_INVOKE:
                    after["_Chained"] = self.on_chained_start(arn, update)
                operations[update["Id"]] = changed[update["Id"]] = after
                event = history.update_event(update, before, after, now)
                if event is not None:
                    events.append(event)
            old_token = record.token
            record.token = self.new_token(record)
            try:
                self.store.commit(Commit(record, list(changed.values()), events, expect_token=old_token))
            except ConflictError as exc:
                raise InvalidParameterValueError(str(exc)) from exc
        return {
            "CheckpointToken": record.token,
            "NewExecutionState": {"Operations": [wire_operation(op) for op in changed.values()]},
        }

    def _current(self, arn: str, token: str, *, exact: bool) -> ExecutionRecord:
        record = self.store.get(arn)
        if record is None:
            raise InvalidParameterValueError(f"Durable execution not found: {arn}")
        if record.status != RUNNING:
            raise InvalidParameterValueError(f"Durable execution {arn} is {record.status}")
        valid = (
            token == record.token
            if exact
            else bool(record.invocation_id) and token.startswith(f"{record.invocation_id}.")
        )
        if record.token is None or not valid:
            raise InvalidParameterValueError("Invalid checkpoint token: it is stale or was already used")
        return record

    def state(self, arn: str, token: str, marker: str | None, max_items: int | None) -> WireDict:
        with self.locked(arn):
            self._current(arn, token, exact=False)
            operations = self.store.operations(arn)
        page, next_marker = history.page(operations, marker=parse_marker(marker), max_items=limit(max_items, 1000))
        response: WireDict = {"Operations": [wire_operation(op) for op in page]}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    def envelope(self, record: ExecutionRecord) -> WireDict:
        """The invocation event (timestamps in epoch ms, as Lambda sends them)."""
        operations = self.store.operations(record.arn)
        page, next_marker = history.page(
            [wire_operation(op, ms=True) for op in operations], marker=None, max_items=self.page_size
        )
        state: WireDict = {"Operations": page}
        if next_marker:
            state["NextMarker"] = next_marker
        return {"DurableExecutionArn": record.arn, "CheckpointToken": record.token, "InitialExecutionState": state}

    # -- reads ----------------------------------------------------------------------------

    def describe(self, arn: str, *, include_data: bool = True) -> WireDict:
        record = self.record(arn)
        spec = self.functions.get(record.function_name)
        response: WireDict = {
            "DurableExecutionArn": record.arn,
            "DurableExecutionName": record.name,
            "FunctionArn": arns.function_arn(record.function_name, record.qualifier, region=self.region),
            "Status": record.status,
            "StartTimestamp": record.start_ms / 1000,
            "Version": record.qualifier,
            "ExecutionDataIncluded": include_data,
            "DurableConfig": {
                "ExecutionTimeout": record.execution_timeout,
                "RetentionPeriodInDays": record.retention_days,
            },
        }
        if spec is None:
            response.pop("DurableConfig")
        if record.status == RUNNING:
            response["ExpectedExecutionTimeoutTimestamp"] = record.timeout_at_ms / 1000
        if record.end_ms is not None:
            response["EndTimestamp"] = record.end_ms / 1000
        if include_data:
            response["InputPayload"] = record.input_payload
            if record.result is not None:
                response["Result"] = record.result
            if record.error is not None:
                response["Error"] = record.error
        return response

    def history(
        self, arn: str, *, include_data: bool, marker: str | None, max_items: int | None, reverse: bool
    ) -> WireDict:
        self.record(arn)
        events = self.store.events(arn)
        page, next_marker = history.page(
            events, marker=parse_marker(marker), max_items=limit(max_items, 100), reverse=reverse
        )
        response: WireDict = {"Events": [history.render(e, include_data=include_data) for e in page]}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    def list_executions(
        self,
        function: str,
        *,
        name: str | None = None,
        statuses: list[str] | None = None,
        marker: str | None = None,
        max_items: int | None = None,
        reverse: bool = False,
        started_after_ms: int | None = None,
        started_before_ms: int | None = None,
        qualifier: str | None = None,
    ) -> WireDict:
        """Executions of one version or alias of ``function`` (``$LATEST`` unless qualified), oldest first."""
        spec, named_qualifier = self.function(function)
        version = qualifier or named_qualifier or arns.LATEST
        after, before = started_after_ms or 0, started_before_ms or 2**62
        records = [
            r
            for r in self.store.executions(spec.function_name)
            if r.qualifier == version
            and (name is None or r.name == name)
            and (not statuses or r.status in statuses)
            and after <= r.start_ms < before
        ]
        summaries = [
            {
                "DurableExecutionArn": r.arn,
                "DurableExecutionName": r.name,
                "FunctionArn": arns.function_arn(r.function_name, r.qualifier, region=self.region),
                "Status": r.status,
                "StartTimestamp": r.start_ms / 1000,
                **({"EndTimestamp": r.end_ms / 1000} if r.end_ms is not None else {}),
            }
            for r in records
        ]
        page, next_marker = history.page(
            summaries, marker=parse_marker(marker), max_items=limit(max_items, 100), reverse=reverse
        )
        response: WireDict = {"DurableExecutions": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    def logs(self, arn: str) -> list[tuple[str, str]]:
        self.record(arn)
        return self.store.logs(arn)

    # -- StopDurableExecution and the execution timeout -----------------------------------

    def stop(self, arn: str, error: Any = None, *, status: str = "STOPPED") -> WireDict:
        if error is not None:
            try:
                error = ErrorObjectModel.model_validate(error).model_dump(exclude_none=True)
            except ValidationError as exc:
                raise InvalidParameterValueError(validation_message(exc, "Error.")) from exc
        with self.locked(arn):
            record = self.record(arn)
            if record.status != RUNNING:
                raise InvalidParameterValueError(f"Durable execution {arn} is already {record.status}")
            now = self.clock.now_ms()
            events = []
            if record.invocation_id and record.invocation_start_ms is not None:
                events.append(history.invocation_completed(record.invocation_start_ms, now, record.invocation_id))
            self.finish(record, status, now, error=error or None, events=events)
        return {"StopTimestamp": now / 1000}

    def time_out(self, arn: str) -> None:
        """The execution's ``ExecutionTimeout`` has passed: TIMED_OUT, if it is still running."""
        record = self.store.get(arn)
        if record is None or record.status != RUNNING:
            return
        error = {
            "ErrorType": "ExecutionTimedOut",
            "ErrorMessage": f"the execution did not finish within its ExecutionTimeout of {record.execution_timeout} s",
        }
        try:
            self.stop(arn, error, status="TIMED_OUT")
        except InvalidParameterValueError:
            return
