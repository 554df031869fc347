"""An in-memory durable-execution service and a runner that drives one execution to its end.

For unit tests and the quick demo: the service keeps operations in a dict, applies updates
with the same :mod:`~powertools_durable.local.transitions` as the emulator, rejects stale
tokens, and records every call; the runner plays Lambda, invoking the handler again after
each suspension on a virtual clock (no sleeping).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from powertools_durable.exceptions import CheckpointError, GetExecutionStateError
from powertools_durable.local import arns
from powertools_durable.local.transitions import (
    InvalidUpdateError,
    apply_update,
    complete_callback,
    complete_chained_invoke,
    fire,
    heartbeat,
    wake_time,
)
from powertools_durable.service.wire import OperationStatus, OperationType, WireDict


def _apply(update: WireDict, current: WireDict | None, now_ms: int, execution_arn: str) -> WireDict:
    """The shared transitions, plus what the service adds around them (the CallbackId, ReplayChildren)."""
    op = apply_update(update, current, now_ms)
    if update["Type"] == OperationType.CALLBACK:
        op["CallbackDetails"] = {"CallbackId": arns.callback_id(execution_arn, update["Id"])}
    replay_children = (update.get("ContextOptions") or {}).get("ReplayChildren")
    if update["Type"] == OperationType.CONTEXT and replay_children is not None:
        op["ContextDetails"] = dict(op.get("ContextDetails") or {}, ReplayChildren=replay_children)
    return op


def _public(op: WireDict) -> WireDict:
    """The operation as the service returns it: without its private timer bookkeeping (a copy)."""
    for key in op:
        if key[0] == "_":  # rare (a callback's timers, an invoke's outcome): most operations are copied in C
            return {k: v for k, v in op.items() if not k.startswith("_")}
    return dict(op)


@dataclass
class CheckpointCall:
    """One CheckpointDurableExecution call as the service saw it."""

    invocation: int
    updates: list[WireDict]


@dataclass
class InMemoryDurableService:
    """The two service calls over a dict of operations, for one execution."""

    durable_execution_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:demo:$LATEST/durable-execution/demo/run-1"
    )
    page_size: int = 1000
    now_ms: int = 1_700_000_000_000
    operations: dict[str, WireDict] = field(default_factory=dict)
    calls: list[CheckpointCall] = field(default_factory=list)
    invocation: int = 0
    fail_next_checkpoints: int = 0
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _token: str = ""
    _updated: list[str] = field(default_factory=list)  # changed while suspended: the next UpdatedOperationIds

    @property
    def execution_id(self) -> str:
        """The EXECUTION operation's id: the ARN's last segment, where the official SDK looks for it."""
        return self.durable_execution_arn.rsplit("/", 1)[-1]

    def start(self, input_payload: Any) -> None:
        """Create the EXECUTION operation holding the JSON input."""
        self.operations[self.execution_id] = {
            "Id": self.execution_id,
            "Type": OperationType.EXECUTION.value,
            "Status": OperationStatus.STARTED.value,
            "StartTimestamp": self.now_ms,
            "ExecutionDetails": {"InputPayload": json.dumps(input_payload)},
        }

    def new_token(self) -> str:
        self._token = f"token-{next(self._tokens)}"
        return self._token

    def envelope(self) -> WireDict:
        """The invocation input Lambda would send now (the first page of the state)."""
        ops = [_public(op) for op in self.operations.values()]
        state: WireDict = {"Operations": ops[: self.page_size]}
        if len(ops) > self.page_size:
            state["NextMarker"] = str(self.page_size)
        self.invocation += 1
        envelope: WireDict = {
            "DurableExecutionArn": self.durable_execution_arn,
            "CheckpointToken": self.new_token(),
            "InitialExecutionState": state,
        }
        if self._updated:
            envelope["UpdatedOperationIds"], self._updated = list(dict.fromkeys(self._updated)), []
        return envelope

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[WireDict]) -> WireDict:
        if self.fail_next_checkpoints:
            self.fail_next_checkpoints -= 1
            raise CheckpointError("CheckpointDurableExecution failed: ServiceException (simulated)")
        if checkpoint_token != self._token:
            raise CheckpointError(f"CheckpointDurableExecution failed: stale checkpoint token {checkpoint_token}")
        staged: dict[str, WireDict] = {}  # this call's operations: recorded all together, or none (a rejected update)
        for update in updates:
            op_id = update["Id"]
            current = staged[op_id] if op_id in staged else self.operations.get(op_id)
            try:
                staged[op_id] = _apply(update, current, self.now_ms, self.durable_execution_arn)
            except InvalidUpdateError as exc:
                raise CheckpointError(
                    f"CheckpointDurableExecution failed: InvalidParameterValueException: {exc}"
                ) from exc
        self.operations.update(staged)
        self.calls.append(CheckpointCall(self.invocation, [dict(u) for u in updates]))
        return {
            "CheckpointToken": self.new_token(),
            "NewExecutionState": {"Operations": [_public(op) for op in staged.values()]},
        }

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> WireDict:
        if checkpoint_token != self._token:
            raise GetExecutionStateError(f"stale checkpoint token {checkpoint_token}")
        ops = [_public(op) for op in self.operations.values()]
        start = int(marker)
        page: WireDict = {"Operations": ops[start : start + self.page_size]}
        if start + self.page_size < len(ops):
            page["NextMarker"] = str(start + self.page_size)
        return page

    def advance(self) -> bool:
        """Move the virtual clock to the next timer and fire what is due; False if nothing waits."""
        wakes = [t for op in self.operations.values() if (t := wake_time(op)) is not None]
        if not wakes:
            return False
        self.now_ms = max(self.now_ms, min(wakes))
        for op_id, op in list(self.operations.items()):
            due = wake_time(op)
            if due is not None and due <= self.now_ms:
                self.operations[op_id] = fire(op, self.now_ms)
                self._updated.append(op_id)
        return True

    def callback_id(self, name: str) -> str:
        """The CallbackId of the callback named ``name`` (what the external system is handed)."""
        for op in self.operations.values():
            if op["Type"] == OperationType.CALLBACK and op.get("Name") == name:
                callback_id: str = op["CallbackDetails"]["CallbackId"]
                return callback_id
        raise KeyError(f"no callback named {name!r}")

    def answer_callback(self, callback_id: str, *, result: str | None = None, error: WireDict | None = None) -> None:
        """The external system answers (SendDurableExecutionCallbackSuccess / Failure)."""
        op_id = arns.parse_callback_id(callback_id)[1]
        self.operations[op_id] = complete_callback(self.operations[op_id], self.now_ms, result=result, error=error)
        self._updated.append(op_id)

    def heartbeat_callback(self, callback_id: str) -> None:
        """The external system is still working (SendDurableExecutionCallbackHeartbeat)."""
        op_id = arns.parse_callback_id(callback_id)[1]
        self.operations[op_id] = heartbeat(self.operations[op_id], self.now_ms)

    def finish_invoke(
        self, op_id: str, status: str = "SUCCEEDED", *, result: str | None = None, error: WireDict | None = None
    ) -> None:
        """The function a CHAINED_INVOKE started ended with ``status`` (SUCCEEDED, FAILED, TIMED_OUT, STOPPED)."""
        op = self.operations[op_id]
        self.operations[op_id] = complete_chained_invoke(op, self.now_ms, status, result=result, error=error)
        self._updated.append(op_id)

    def updates_of(self, invocation: int) -> list[WireDict]:
        """Every update sent during ``invocation`` (1-based), in order."""
        return [u for call in self.calls if call.invocation == invocation for u in call.updates]


@dataclass
class RunResult:
    """What running an execution to its end produced."""

    status: str
    result: Any
    error: WireDict | None
    outputs: list[WireDict]
    service: InMemoryDurableService


def run_to_completion(
    handler: Callable[[Any, Any], WireDict],
    input_payload: Any = None,
    *,
    service: InMemoryDurableService | None = None,
    lambda_context: Any = None,
    max_invocations: int = 100,
    external: Callable[[InMemoryDurableService], bool] | None = None,
) -> RunResult:
    """Invoke ``handler`` (a decorated Lambda handler) until the execution ends.

    ``external`` plays the world outside the execution (callback answers, invoked functions
    finishing): called after each suspension, it returns True when it changed something, and
    the execution is then invoked again without moving the clock.
    """
    service = service or InMemoryDurableService()
    service.start(input_payload)
    outputs: list[WireDict] = []
    for _ in range(max_invocations):
        output = handler(service.envelope(), lambda_context)
        outputs.append(output)
        if output["Status"] != OperationStatus.PENDING:
            # A result or error too large for Lambda's response was checkpointed on EXECUTION.
            recorded = service.operations[service.execution_id].get("ExecutionDetails") or {}
            result_payload = output.get("Result") or recorded.get("Result")
            result = json.loads(result_payload) if result_payload else None
            error = output.get("Error") or recorded.get("Error")
            return RunResult(output["Status"], result, error, outputs, service)
        if external is not None and external(service):
            continue
        if not service.advance():
            raise RuntimeError("the execution suspended with nothing scheduled to resume it")
    raise RuntimeError(f"the execution did not finish within {max_invocations} invocations")
