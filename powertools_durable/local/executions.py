"""The durable-execution service: the API's operations over the store, one execution at a time.

Every change of an execution happens under that execution's lock and is one store
:class:`~powertools_durable.local.store.Commit` (record, operations, events together), so a
checkpoint is all or nothing and the history is appended in the order things happened.
Updates go through :mod:`~powertools_durable.local.transitions` (the same rules as the
in-memory fake of the unit tests); events come from :mod:`~powertools_durable.local.history`.
Invocations and timers are the :class:`~powertools_durable.local.scheduler.Scheduler`'s: what a
change makes happen next (launch an execution, drop an ended one's timers, start a chained
invoke's target, invoke again) is returned as :mod:`~powertools_durable.local.effects` and handed
to ``on_effects`` only after the commit succeeded.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from powertools_durable.local import arns, history
from powertools_durable.local.clock import Clock
from powertools_durable.local.effects import Effect, Ended, Launch
from powertools_durable.local.errors import (
    AlreadyStartedError,
    InvalidParameterValueError,
)
from powertools_durable.local.invoker import FunctionLike
from powertools_durable.local.reads import ExecutionReads
from powertools_durable.local.shapes import limit, parse_marker, validation_message, wire_operation
from powertools_durable.local.store import RUNNING, Commit, ConflictError, ExecutionRecord, Store
from powertools_durable.local.transitions import InvalidUpdateError, apply_update
from powertools_durable.service.models import CheckpointDurableExecutionRequestModel, ErrorObjectModel
from powertools_durable.service.wire import OperationStatus, OperationType, WireDict

DEFAULT_EXECUTION_TIMEOUT = 86_400
__all__ = ["DEFAULT_EXECUTION_TIMEOUT", "RUNNING", "ChainedPlan", "ExecutionService", "Listener"]

Listener = Callable[[ExecutionRecord], None]
ChainedPlan = tuple[WireDict, list[Commit], list[Effect]]  # what the history shows, executions to create, effects


@dataclass(frozen=True)
class _Answered:
    """The last checkpoint call answered: ``(ClientToken, CheckpointToken)``, its updates' digest, the answer."""

    key: tuple[str, str]
    digest: str
    response: WireDict


class _ExecutionLock:
    """One execution's lock and how many threads hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class ExecutionService(ExecutionReads):
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
        self._answered: dict[str, _Answered] = {}  # running executions' last answered checkpoint
        self.plan_chained: Callable[[str, WireDict], ChainedPlan] = lambda arn, update: ({}, [], [])
        self.on_effects: Callable[[list[Effect]], None] = lambda effects: None

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
        return {"locks": len(self._locks), "listeners": len(self._listeners), "answers": len(self._answered)}

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
        self._answered.pop(record.arn, None)
        for listener in self._listeners.pop(record.arn, []):
            listener(record)
        self.on_effects([Ended(record)])

    # -- Invoke --------------------------------------------------------------------------

    def start(
        self, function: str, payload: str, *, name: str | None = None, parent: tuple[str, str] | None = None
    ) -> tuple[ExecutionRecord, bool]:
        """Start an execution (idempotent on ``name``; ``parent``: the chained invoke it runs for)."""
        commit = self.new_execution(function, payload, name=name, parent=parent)
        existing, created = self.store.create(commit)
        if not created and existing.input_payload != payload:
            raise AlreadyStartedError(
                f"Durable execution {existing.name} of {existing.function_name} "
                "was already started with another payload"
            )
        if created:
            self.on_effects([Launch(existing)])
        return existing, created

    def new_execution(
        self, function: str, payload: str, *, name: str | None = None, parent: tuple[str, str] | None = None
    ) -> Commit:
        """The commit that creates an execution of ``function`` (nothing is written here)."""
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
        return Commit(record, [operation], [history.execution_started(exec_id, payload, timeout, now)])

    # -- CheckpointDurableExecution / GetDurableExecutionState ---------------------------

    def checkpoint(self, arn: str, body: Any) -> WireDict:
        """Apply a batch of updates in one commit; its effects (a chained invoke's target) only once committed.

        A retry of a call that was answered (same ``ClientToken``, same ``CheckpointToken``,
        same updates) gets the same answer again and changes nothing.
        """
        try:
            request = CheckpointDurableExecutionRequestModel.model_validate(body)
        except ValidationError as exc:
            raise InvalidParameterValueError(validation_message(exc)) from exc
        updates = [u.model_dump(exclude_none=True) for u in request.Updates]
        digest = hashlib.sha256(json.dumps(updates, sort_keys=True, default=str).encode()).hexdigest()
        effects: list[Effect] = []
        with self.locked(arn):
            answered = self._answered.get(arn)
            if request.ClientToken and answered and answered.key == (request.ClientToken, request.CheckpointToken):
                if answered.digest != digest:
                    raise InvalidParameterValueError(
                        f"ClientToken {request.ClientToken} was already used with other updates"
                    )
                return answered.response
            record = self._current(arn, request.CheckpointToken)
            operations = {op["Id"]: op for op in self.store.operations(arn)}
            now = self.clock.now_ms()
            changed: dict[str, WireDict] = {}
            events: list[WireDict] = []
            creates: list[Commit] = []
            for index, update in enumerate(updates):
                before = operations.get(update["Id"])
                try:
                    after = apply_update(update, before, now)
                except InvalidUpdateError as exc:
                    raise InvalidParameterValueError(f"Updates[{index}]: {exc}") from exc
                if update["Type"] == OperationType.CALLBACK:
                    after["CallbackDetails"] = {"CallbackId": arns.callback_id(arn, update["Id"])}
                elif update["Type"] == OperationType.CHAINED_INVOKE:
                    after["_Chained"], created, planned = self.plan_chained(arn, update)
                    creates += created
                    effects += planned
                operations[update["Id"]] = changed[update["Id"]] = after
                event = history.update_event(update, before, after, now)
                if event is not None:
                    events.append(event)
            old_token = record.token
            record.token = self.new_token(record)
            try:
                self.store.commit(
                    Commit(record, list(changed.values()), events, expect_token=old_token, creates=creates)
                )
            except ConflictError as exc:
                raise InvalidParameterValueError(str(exc)) from exc
            response: WireDict = {
                "CheckpointToken": record.token,
                "NewExecutionState": {"Operations": [wire_operation(op) for op in changed.values()]},
            }
            if request.ClientToken:
                self._answered[arn] = _Answered((request.ClientToken, request.CheckpointToken), digest, response)
        self.on_effects(effects)  # committed: now start what the batch started
        return response

    def _current(self, arn: str, token: str) -> ExecutionRecord:
        """The running execution whose current checkpoint token is ``token`` (Checkpoint and GetState alike)."""
        record = self.store.get(arn)
        if record is None:
            raise InvalidParameterValueError(f"Durable execution not found: {arn}")
        if record.status != RUNNING:
            raise InvalidParameterValueError(f"Durable execution {arn} is {record.status}")
        if record.token is None or token != record.token:
            raise InvalidParameterValueError("Invalid checkpoint token: it is stale or was already used")
        return record

    def state(self, arn: str, token: str, marker: str | None, max_items: int | None) -> WireDict:
        with self.locked(arn):
            self._current(arn, token)
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
        event: WireDict = {"DurableExecutionArn": record.arn, "CheckpointToken": record.token}
        event["InitialExecutionState"] = state
        if record.invocation_updated_ids:  # as Lambda: what the service changed while the execution was suspended
            event["UpdatedOperationIds"] = list(record.invocation_updated_ids)
        return event

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
