"""Chained invokes (``context.invoke``): one execution invokes another function and waits for its end.

When a CHAINED_INVOKE operation starts, the service starts the target: a durable function as a
child execution (its ARN goes into ``ChainedInvokeStarted``), a plain one as one invocation.
When the target ends, its outcome is held on the parent's operation and lands, with its
``ChainedInvoke*`` event, when the parent is next invoked (never inside the parent's invocation
in flight). Completions run on the scheduler's
pool, never under the child's lock, so two executions' locks are never held together.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from powertools_durable.local.errors import ServiceError
from powertools_durable.local.executions import RUNNING, ExecutionService
from powertools_durable.local.store import Commit, ExecutionRecord
from powertools_durable.local.transitions import hold_chained_outcome
from powertools_durable.service.wire import OperationStatus, WireDict

Task = Callable[[], None]


class ChainedInvokes:
    """Starts the targets of chained invokes and reports their ends to the invoking execution."""

    def __init__(
        self, service: ExecutionService, submit: Callable[[Task], None], run_plain: Callable[[Any, str], WireDict]
    ) -> None:
        self.service = service
        self.submit = submit
        self.run_plain = run_plain
        service.on_chained_start = self.start
        service.on_child_ended = self.child_ended

    def start(self, arn: str, update: WireDict) -> WireDict:
        """Start the target of ``update`` (the parent's lock is held); return what the history shows of it."""
        function = str((update.get("ChainedInvokeOptions") or {}).get("FunctionName"))
        payload = str(update["Payload"]) if update.get("Payload") is not None else "null"
        operation_id = update["Id"]
        try:
            spec, _ = self.service.function(function)
            if spec.durable is None:
                self.submit(lambda: self._run_plain(arn, operation_id, spec, payload))
                return {"FunctionName": spec.function_name}
            child, _ = self.service.start(function, payload, parent=(arn, operation_id))
        except ServiceError as exc:
            error = {"ErrorType": exc.code, "ErrorMessage": exc.message}
            self.submit(lambda: self.complete(arn, operation_id, OperationStatus.FAILED, error=error))
            return {"FunctionName": function}
        return {"FunctionName": spec.function_name, "DurableExecutionArn": child.arn}

    def child_ended(self, child: ExecutionRecord) -> None:
        parent, operation_id = child.parent_arn, child.parent_operation
        if parent is not None and operation_id is not None:
            status, result, error = child.status, child.result, child.error
            self.submit(lambda: self.complete(parent, operation_id, status, result=result, error=error))

    def _run_plain(self, arn: str, operation_id: str, spec: Any, payload: str) -> None:
        outcome = self.run_plain(spec, payload)
        if outcome.get("error"):
            self.complete(arn, operation_id, OperationStatus.FAILED, error=outcome["error"])
        else:
            self.complete(arn, operation_id, OperationStatus.SUCCEEDED, result=json.dumps(outcome.get("output")))

    def complete(
        self, arn: str, operation_id: str, status: str, *, result: str | None = None, error: WireDict | None = None
    ) -> None:
        """The target ended: the parent's operation takes its outcome, and the parent can go on."""
        with self.service.locked(arn):
            record = self.service.store.get(arn)
            operation = next((op for op in self.service.store.operations(arn) if op["Id"] == operation_id), None)
            if record is None or record.status != RUNNING or operation is None:
                return
            if operation["Status"] != OperationStatus.STARTED:
                return
            now = self.service.clock.now_ms()
            held = hold_chained_outcome(operation, now, status, result=result, error=error)
            record.invoke_at_ms = now
            self.service.store.commit(Commit(record, [held], []))  # the event comes when the outcome lands
        self.service.on_runnable(arn)
