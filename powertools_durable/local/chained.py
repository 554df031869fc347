"""Chained invokes (``context.invoke``): one execution invokes another function and waits for its end.

When a CHAINED_INVOKE operation starts, the service starts the target: a durable function as a
child execution (its ARN goes into ``ChainedInvokeStarted``; the child is created in the parent's
own commit and launched once that commit succeeded), a plain one as one invocation (after the
commit too).
When the target ends, its outcome is held on the parent's operation and lands, with its
``ChainedInvoke*`` event, when the parent is next invoked (never inside the parent's invocation
in flight). Completions run on the scheduler's
pool, never under the child's lock, so two executions' locks are never held together.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from powertools_durable.local.effects import CompleteChained, Launch, Reinvoke, RunPlain
from powertools_durable.local.errors import ServiceError
from powertools_durable.local.executions import RUNNING, ChainedPlan, ExecutionService
from powertools_durable.local.store import Commit, ExecutionRecord
from powertools_durable.local.transitions import hold_chained_outcome
from powertools_durable.service.wire import OperationStatus, OperationType, WireDict

Task = Callable[[], None]


class ChainedInvokes:
    """Starts the targets of chained invokes and reports their ends to the invoking execution."""

    def __init__(
        self, service: ExecutionService, submit: Callable[[Task], None], run_plain: Callable[[Any, str], WireDict]
    ) -> None:
        self.service = service
        self.submit = submit
        self.run_plain = run_plain
        service.plan_chained = self.plan

    def plan(self, arn: str, update: WireDict) -> ChainedPlan:
        """How ``update`` starts its target (the parent's lock is held; nothing is written or started here).

        Returns what the history shows of the target, the child execution to create in the
        parent's own commit (a durable target) and the effects to apply once that commit
        succeeded, so a refused batch leaves no orphan and a resent one starts no second target.
        """
        function = str((update.get("ChainedInvokeOptions") or {}).get("FunctionName"))
        payload = str(update["Payload"]) if update.get("Payload") is not None else "null"
        operation_id = update["Id"]
        try:
            spec, _ = self.service.function(function)
            if spec.durable is None:
                shown = {"FunctionName": spec.function_name, "Payload": payload}  # kept to re-run it after a crash
                return shown, [], [RunPlain(arn, operation_id, spec, payload)]
            child = self.service.new_execution(function, payload, parent=(arn, operation_id))
        except ServiceError as exc:
            error = {"ErrorType": exc.code, "ErrorMessage": exc.message}
            failed = CompleteChained(arn, operation_id, OperationStatus.FAILED, error)
            return {"FunctionName": function, "Payload": payload}, [], [failed]
        shown = {"FunctionName": spec.function_name, "DurableExecutionArn": child.record.arn}
        return shown, [child], [Launch(child.record)]

    def apply(self, effect: RunPlain | CompleteChained) -> None:
        """Apply an effect of :meth:`plan` (after the parent's commit), on the scheduler's pool."""
        if isinstance(effect, RunPlain):
            self.submit(lambda: self._run_plain(effect.arn, effect.operation_id, effect.spec, effect.payload))
        else:
            self.submit(lambda: self.complete(effect.arn, effect.operation_id, effect.status, error=effect.error))

    def recover(self, record: ExecutionRecord) -> None:
        """After a restart: re-apply what a crash cut off between a commit and its effects.

        A started chained invoke whose outcome is not held yet is either waiting for a child
        that is still running (nothing to do: the child is recovered on its own), for a child
        that ended before it could report (report it now), or for a plain target or a failed
        start whose effect was lost (apply it again: at least once, as Lambda's retries).
        """
        for op in self.service.store.operations(record.arn):
            if op["Type"] != OperationType.CHAINED_INVOKE or op["Status"] != OperationStatus.STARTED:
                continue
            if op.get("_Outcome"):
                continue
            child_arn = (op.get("_Chained") or {}).get("DurableExecutionArn")
            if child_arn:
                child = self.service.store.get(child_arn)
                if child is not None and child.status != RUNNING:
                    self.child_ended(child)
                continue
            _, _, effects = self.plan(record.arn, self._start_update(op))
            for effect in effects:
                if isinstance(effect, RunPlain | CompleteChained):
                    self.apply(effect)

    @staticmethod
    def _start_update(op: WireDict) -> WireDict:
        """The START update that created ``op`` (the payload and target it recorded)."""
        chained = op.get("_Chained") or {}
        return {
            "Id": op["Id"],
            "Payload": chained.get("Payload"),
            "ChainedInvokeOptions": {"FunctionName": chained.get("FunctionName")},
        }

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
        self.service.on_effects([Reinvoke(arn)])
