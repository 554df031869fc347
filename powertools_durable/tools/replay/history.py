"""A recorded execution as the operations a replay needs, from whichever JSON a person has at hand.

Accepted: ``powertools-durable local history --json`` (``{"DurableExecutionArn"?, "Events": [...]}``),
what AWS returns for GetDurableExecutionHistory (``{"Events": [...]}``, fetched with
``IncludeExecutionData``) or GetDurableExecutionState (``{"Operations": [...]}``), and a durable
invocation event (``{"InitialExecutionState": {"Operations": [...]}}``). Events are folded into
operations as the service folds updates: the last event of an operation gives its status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powertools_durable.service.envelope import operation_problem
from powertools_durable.service.wire import TERMINAL_STATUSES, OperationType, WireDict

DEFAULT_ARN = "arn:aws:lambda:us-east-1:000000000000:function:replay:$LATEST/durable-execution/replay/{}"


class HistoryError(ValueError):
    """The JSON is not a history the replayer can read; the message names what is wrong."""


@dataclass(frozen=True)
class RecordedExecution:
    """The operations of one execution, in the order they were first recorded (the EXECUTION first)."""

    durable_execution_arn: str
    operations: list[WireDict]
    arn_known: bool

    @property
    def execution(self) -> WireDict:
        return self.operations[0]

    @property
    def ended(self) -> bool:
        return self.execution.get("Status") in TERMINAL_STATUSES

    def position(self, op_id: str) -> int | None:
        """The 1-based rank of ``op_id`` among the recorded operations (the EXECUTION not counted)."""
        for index, op in enumerate(self.operations[1:], start=1):
            if op["Id"] == op_id:
                return index
        return None


# (event type) -> (operation type, status, details key, field of the details that the event fills)
_EVENTS: dict[str, tuple[str, str, str | None, str | None]] = {
    "StepStarted": (OperationType.STEP, "STARTED", "StepDetails", None),
    "StepSucceeded": (OperationType.STEP, "SUCCEEDED", "StepDetails", "Result"),
    "StepFailed": (OperationType.STEP, "FAILED", "StepDetails", "Error"),
    "WaitStarted": (OperationType.WAIT, "STARTED", "WaitDetails", None),
    "WaitSucceeded": (OperationType.WAIT, "SUCCEEDED", "WaitDetails", None),
    "WaitCancelled": (OperationType.WAIT, "CANCELLED", "WaitDetails", None),
    "ContextStarted": (OperationType.CONTEXT, "STARTED", "ContextDetails", None),
    "ContextSucceeded": (OperationType.CONTEXT, "SUCCEEDED", "ContextDetails", "Result"),
    "ContextFailed": (OperationType.CONTEXT, "FAILED", "ContextDetails", "Error"),
    "CallbackStarted": (OperationType.CALLBACK, "STARTED", "CallbackDetails", None),
    "CallbackSucceeded": (OperationType.CALLBACK, "SUCCEEDED", "CallbackDetails", "Result"),
    "CallbackFailed": (OperationType.CALLBACK, "FAILED", "CallbackDetails", "Error"),
    "CallbackTimedOut": (OperationType.CALLBACK, "TIMED_OUT", "CallbackDetails", "Error"),
    "ChainedInvokeStarted": (OperationType.CHAINED_INVOKE, "STARTED", "ChainedInvokeDetails", None),
    "ChainedInvokeSucceeded": (OperationType.CHAINED_INVOKE, "SUCCEEDED", "ChainedInvokeDetails", "Result"),
    "ChainedInvokeFailed": (OperationType.CHAINED_INVOKE, "FAILED", "ChainedInvokeDetails", "Error"),
    "ChainedInvokeTimedOut": (OperationType.CHAINED_INVOKE, "TIMED_OUT", "ChainedInvokeDetails", "Error"),
    "ChainedInvokeStopped": (OperationType.CHAINED_INVOKE, "STOPPED", "ChainedInvokeDetails", "Error"),
}
_EXECUTION_ENDS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionStopped": "STOPPED",
}


def load(source: str | Path | dict[str, Any] | list[Any], arn: str | None = None) -> RecordedExecution:
    """Read a history or state (a path to its JSON, or the parsed JSON) into a :class:`RecordedExecution`."""
    data: Any = source
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise HistoryError(f"{path}: no such file") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HistoryError(f"{path}: not JSON ({exc})") from None
    if isinstance(data, list):
        data = {"Events": data}
    if not isinstance(data, dict):
        raise HistoryError(f"expected a JSON object with Events or Operations, got a {type(data).__name__}")
    recorded_arn = data.get("DurableExecutionArn")
    if isinstance(data.get("InitialExecutionState"), dict):
        data = data["InitialExecutionState"]
    if data.get("NextMarker"):
        raise HistoryError(
            "the JSON carries a NextMarker: it is one page of the execution; fetch every page (the AWS CLI "
            "paginates unless told not to; `local history --json` fetches them all)"
        )
    if isinstance(data.get("Events"), list):
        operations = operations_from_events(data["Events"])
    elif isinstance(data.get("Operations"), list):
        operations = _checked_operations(data["Operations"])
    else:
        raise HistoryError(
            "expected Events (GetDurableExecutionHistory, local history --json) or Operations "
            "(GetDurableExecutionState) in the JSON object"
        )
    chosen = arn or (recorded_arn if isinstance(recorded_arn, str) and recorded_arn else None)
    return RecordedExecution(chosen or DEFAULT_ARN.format(operations[0]["Id"]), operations, chosen is not None)


def _checked_operations(raw: list[Any]) -> list[WireDict]:
    """Operations of a whole execution, the EXECUTION first.

    Each operation is checked as the engine checks the service's (:func:`operation_problem`); unlike
    a page of the service's answer, a history must also hold exactly one EXECUTION.
    """
    operations: list[WireDict] = []
    for index, op in enumerate(raw):
        if operation_problem(op) is not None:
            raise HistoryError(f"Operations[{index}] is not an operation with string Id, Type and Status")
        operations.append(op)
    executions = [op for op in operations if op["Type"] == OperationType.EXECUTION]
    if len(executions) != 1:
        raise HistoryError(f"expected exactly one EXECUTION operation, found {len(executions)}")
    return executions + [op for op in operations if op["Type"] != OperationType.EXECUTION]


def operations_from_events(events: list[Any]) -> list[WireDict]:
    """Fold GetDurableExecutionHistory events into operations (the EXECUTION first, then in order of first event)."""
    ops: dict[str, WireDict] = {}
    execution: WireDict | None = None
    for index, event in enumerate(events):
        if not isinstance(event, dict) or not isinstance(event.get("EventType"), str):
            raise HistoryError(f"Events[{index}] is not an event with an EventType")
        kind = event["EventType"]
        if kind == "ExecutionStarted":
            execution = _execution_started(event, index)
        elif kind in _EXECUTION_ENDS:
            if execution is None:
                raise HistoryError(f"Events[{index}] ({kind}) comes before ExecutionStarted")
            execution.update(Status=_EXECUTION_ENDS[kind], EndTimestamp=event.get("EventTimestamp"))
            _outcome(execution, "ExecutionDetails", event.get(f"{kind}Details") or {}, kind, index)
        elif kind in _EVENTS:
            _apply(ops, event, index)
        # InvocationCompleted and event types added later carry no operation state a replay reads
    if execution is None:
        raise HistoryError("the history has no ExecutionStarted event: is it the whole history (every page)?")
    return [execution, *ops.values()]


def _execution_started(event: WireDict, index: int) -> WireDict:
    details = event.get("ExecutionStartedDetails") or {}
    payload = (details.get("Input") or {}).get("Payload")
    if "Input" in details and payload is None:
        raise HistoryError(_no_payload(index, "ExecutionStarted"))
    return {
        "Id": event.get("Id") or "execution",
        "Type": OperationType.EXECUTION.value,
        "Status": "STARTED",
        "StartTimestamp": event.get("EventTimestamp"),
        "ExecutionDetails": {"InputPayload": payload if payload is not None else "{}"},
    }


def _apply(ops: dict[str, WireDict], event: WireDict, index: int) -> None:
    kind = event["EventType"]
    op_type, status, details_key, field = _EVENTS[kind]
    op_id = event.get("Id")
    if not isinstance(op_id, str):
        raise HistoryError(f"Events[{index}] ({kind}) has no Id")
    op = ops.setdefault(op_id, {"Id": op_id, "Type": op_type, "StartTimestamp": event.get("EventTimestamp")})
    for key in ("Name", "ParentId", "SubType"):
        if event.get(key) is not None:
            op[key] = event[key]
    details: dict[str, Any] = event.get(f"{kind}Details") or {}
    retry = details.get("RetryDetails") or {}
    if retry.get("NextAttemptDelaySeconds") is not None:
        status = "PENDING"  # a failed attempt (or a wait_for_condition poll) to be tried again
    op["Status"] = status
    if status in TERMINAL_STATUSES:
        op["EndTimestamp"] = event.get("EventTimestamp")
    own = op.setdefault(details_key or "Details", {})
    if retry.get("CurrentAttempt") is not None:
        own["Attempt"] = retry["CurrentAttempt"]
    if kind == "WaitStarted" and details.get("ScheduledEndTimestamp") is not None:
        own["ScheduledEndTimestamp"] = details["ScheduledEndTimestamp"]
    if kind == "CallbackStarted" and details.get("CallbackId") is not None:
        own["CallbackId"] = details["CallbackId"]
    if field is not None:
        _outcome(op, details_key or "Details", details, kind, index)


def _outcome(op: WireDict, details_key: str, details: WireDict, kind: str, index: int) -> None:
    """Copy an event's Result or Error payload onto the operation's details."""
    own = op.setdefault(details_key, {})
    if isinstance(details.get("Result"), dict):
        result = details["Result"]
        if result.get("Truncated") or "Payload" not in result:
            raise HistoryError(_no_payload(index, kind))
        if result["Payload"] is not None:
            own["Result"] = result["Payload"]
    if isinstance(details.get("Error"), dict):
        error = details["Error"]
        if error.get("Truncated") or "Payload" not in error:
            raise HistoryError(_no_payload(index, kind))
        own["Error"] = error["Payload"]


def _no_payload(index: int, kind: str) -> str:
    return (
        f"Events[{index}] ({kind}) carries no payload (or a truncated one): a replay needs the recorded results; "
        "fetch the history with IncludeExecutionData=true (`local history --json` does)"
    )
