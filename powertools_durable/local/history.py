"""The execution history in Lambda's exact shapes (botocore's ``Event``), written as things happen.

The service appends events in the same transaction as the change they describe, so the
history is a log, never rebuilt from the operations on read (conformance facts 1-7):

- one event per operation update, in update order (a RETRY is a ``StepFailed`` with
  ``RetryDetails.NextAttemptDelaySeconds``, or a ``StepSucceeded`` with them when it carries a
  wait_for_condition poll's state instead of an error); EXECUTION updates give no event of their own;
- ``WaitSucceeded`` is written by the service when the wait's timer fires;
- ``InvocationCompleted`` closes every invocation, crashed ones included (with an ``Error``);
- the terminal ``Execution*`` event comes last.

Events are stored with epoch-millisecond timestamps and every payload; :func:`render` turns
them into the wire shape (epoch seconds, payloads only with ``IncludeExecutionData``).
"""

from __future__ import annotations

from typing import Any

from powertools_durable.service.wire import OperationAction, OperationType, WireDict

_TIMESTAMP_KEYS = frozenset({"EventTimestamp", "ScheduledEndTimestamp", "StartTimestamp", "EndTimestamp"})
_PAYLOAD_HOLDERS = frozenset({"Result", "Error", "Input"})

_UPDATE_EVENTS: dict[tuple[str, str], str] = {
    (OperationType.STEP, OperationAction.START): "StepStarted",
    (OperationType.STEP, OperationAction.SUCCEED): "StepSucceeded",
    (OperationType.STEP, OperationAction.FAIL): "StepFailed",
    (OperationType.STEP, OperationAction.RETRY): "StepFailed",
    (OperationType.WAIT, OperationAction.START): "WaitStarted",
    (OperationType.WAIT, OperationAction.CANCEL): "WaitCancelled",
    (OperationType.CONTEXT, OperationAction.START): "ContextStarted",
    (OperationType.CONTEXT, OperationAction.SUCCEED): "ContextSucceeded",
    (OperationType.CONTEXT, OperationAction.FAIL): "ContextFailed",
    (OperationType.CALLBACK, OperationAction.START): "CallbackStarted",
    (OperationType.CHAINED_INVOKE, OperationAction.START): "ChainedInvokeStarted",
}

TERMINAL_EVENTS = {
    "SUCCEEDED": "ExecutionSucceeded",
    "FAILED": "ExecutionFailed",
    "TIMED_OUT": "ExecutionTimedOut",
    "STOPPED": "ExecutionStopped",
}


def _result(payload: str | None) -> WireDict:
    return {"Payload": payload, "Truncated": False}


def _error(error: WireDict | None) -> WireDict:
    return {"Payload": dict(error or {}), "Truncated": False}


def _operation_event(event_type: str, op: WireDict, now_ms: int, details: WireDict) -> WireDict:
    event: WireDict = {"EventType": event_type, "SubType": op.get("SubType"), "Id": op["Id"]}
    if op.get("Name") is not None:
        event["Name"] = op["Name"]
    if op.get("ParentId") is not None:
        event["ParentId"] = op["ParentId"]
    if event["SubType"] is None:
        del event["SubType"]
    event["EventTimestamp"] = now_ms
    event[f"{event_type}Details"] = details
    return event


def update_event(update: WireDict, before: WireDict | None, after: WireDict, now_ms: int) -> WireDict | None:
    """The event one applied ``OperationUpdate`` gives (``None`` for EXECUTION updates)."""
    event_type = _UPDATE_EVENTS.get((update["Type"], update["Action"]))
    if event_type is None:
        return None
    # A RETRY without an Error is a wait_for_condition poll: its state is a result, not a failure.
    polled = (
        update["Action"] == OperationAction.RETRY and update.get("Error") is None and update.get("Payload") is not None
    )
    if polled:
        event_type = "StepSucceeded"
    details: WireDict = {}
    step = after.get("StepDetails") or {}
    if event_type == "StepSucceeded":
        if update.get("Payload") is not None:
            details["Result"] = _result(update["Payload"])
        details["RetryDetails"] = {
            "CurrentAttempt": int(((before or {}).get("StepDetails") or {}).get("Attempt", 0)) + 1
        }
        if polled:
            details["RetryDetails"]["NextAttemptDelaySeconds"] = int(
                (update.get("StepOptions") or {}).get("NextAttemptDelaySeconds") or 0
            )
    elif event_type == "StepFailed":
        details["Error"] = _error(update.get("Error"))
        retry: WireDict = {"CurrentAttempt": int(step.get("Attempt", 1))}
        if update["Action"] == OperationAction.RETRY:
            retry["NextAttemptDelaySeconds"] = int(
                (update.get("StepOptions") or {}).get("NextAttemptDelaySeconds") or 0
            )
        details["RetryDetails"] = retry
    elif event_type == "WaitStarted":
        details["Duration"] = int((update.get("WaitOptions") or {}).get("WaitSeconds") or 0)
        details["ScheduledEndTimestamp"] = (after.get("WaitDetails") or {}).get("ScheduledEndTimestamp")
    elif event_type == "CallbackStarted":
        details["CallbackId"] = (after.get("CallbackDetails") or {}).get("CallbackId")
        options = update.get("CallbackOptions") or {}
        if options.get("TimeoutSeconds"):
            details["Timeout"] = options["TimeoutSeconds"]
        if options.get("HeartbeatTimeoutSeconds"):
            details["HeartbeatTimeout"] = options["HeartbeatTimeoutSeconds"]
    elif event_type == "ChainedInvokeStarted":
        chained = after.get("_Chained") or {}
        details["FunctionName"] = chained.get("FunctionName")
        tenant_id = (update.get("ChainedInvokeOptions") or {}).get("TenantId")
        if tenant_id:
            details["TenantId"] = tenant_id
        details["Input"] = _result(update.get("Payload"))
        details["ExecutedVersion"] = "$LATEST"
        if chained.get("DurableExecutionArn"):
            details["DurableExecutionArn"] = chained["DurableExecutionArn"]
    elif event_type in ("ContextSucceeded",) and update.get("Payload") is not None:
        details["Result"] = _result(update["Payload"])
    elif event_type in ("ContextFailed", "WaitCancelled") and update.get("Error") is not None:
        details["Error"] = _error(update.get("Error"))
    return _operation_event(event_type, after, now_ms, details)


def wait_succeeded(op: WireDict, now_ms: int) -> WireDict:
    """Written by the service when a wait's timer fires; ``Duration`` is the modelled one."""
    scheduled = int((op.get("WaitDetails") or {}).get("ScheduledEndTimestamp") or now_ms)
    duration = round((scheduled - int(op.get("StartTimestamp") or scheduled)) / 1000)
    return _operation_event("WaitSucceeded", op, now_ms, {"Duration": duration})


def callback_ended(op: WireDict, now_ms: int) -> WireDict:
    """Written by the service when a callback is answered or times out (``op`` as it is now)."""
    details = op.get("CallbackDetails") or {}
    if op["Status"] == "SUCCEEDED":
        return _operation_event("CallbackSucceeded", op, now_ms, {"Result": _result(details.get("Result"))})
    kind = "CallbackFailed" if op["Status"] == "FAILED" else "CallbackTimedOut"
    return _operation_event(kind, op, now_ms, {"Error": _error(details.get("Error"))})


def chained_invoke_ended(op: WireDict, now_ms: int) -> WireDict:
    """Written by the service when the invoked function ends (``op`` as it is now)."""
    details = op.get("ChainedInvokeDetails") or {}
    if op["Status"] == "SUCCEEDED":
        return _operation_event("ChainedInvokeSucceeded", op, now_ms, {"Result": _result(details.get("Result"))})
    kind = {"FAILED": "ChainedInvokeFailed", "TIMED_OUT": "ChainedInvokeTimedOut"}.get(
        op["Status"], "ChainedInvokeStopped"
    )
    return _operation_event(kind, op, now_ms, {"Error": _error(details.get("Error"))})


def fired_event(before: WireDict, after: WireDict, now_ms: int) -> WireDict | None:
    """The event of what the service fired (``WaitSucceeded``, ``CallbackTimedOut``, ``ChainedInvoke*``).

    A retry becoming READY writes none.
    """
    if before["Type"] == OperationType.WAIT:
        return wait_succeeded(before, now_ms)
    if before["Type"] == OperationType.CALLBACK:
        return callback_ended(after, now_ms)
    if before["Type"] == OperationType.CHAINED_INVOKE:
        return chained_invoke_ended(after, now_ms)
    return None


def execution_started(operation_id: str, input_payload: str, timeout: int, now_ms: int) -> WireDict:
    """Event 1 of every history; ``Id`` is the EXECUTION operation's (AWS's own runner shows no ``Name``)."""
    return {
        "EventType": "ExecutionStarted",
        "Id": operation_id,
        "EventTimestamp": now_ms,
        "ExecutionStartedDetails": {"Input": _result(input_payload), "ExecutionTimeout": timeout},
    }


def invocation_completed(start_ms: int, end_ms: int, request_id: str, error: WireDict | None = None) -> WireDict:
    """One per invocation; no ``Id``/``SubType``/``Name``; ``Error`` when the invocation itself failed."""
    details: WireDict = {"StartTimestamp": start_ms, "EndTimestamp": end_ms, "RequestId": request_id}
    if error is not None:
        details["Error"] = _error(error)
    return {"EventType": "InvocationCompleted", "EventTimestamp": end_ms, "InvocationCompletedDetails": details}


def execution_ended(
    status: str, operation_id: str, now_ms: int, *, result: str | None = None, error: WireDict | None = None
) -> WireDict:
    """The terminal event for ``status`` (SUCCEEDED, FAILED, TIMED_OUT, STOPPED)."""
    event_type = TERMINAL_EVENTS[status]
    details: WireDict = {}
    if status == "SUCCEEDED":
        details["Result"] = _result(result)
    elif error is not None or status == "FAILED":
        details["Error"] = _error(error)
    return {
        "EventType": event_type,
        "Id": operation_id,
        "EventTimestamp": now_ms,
        f"{event_type}Details": details,
    }


def _wire(value: Any, include_data: bool, key: str = "") -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not include_data and k == "Payload" and key in _PAYLOAD_HOLDERS:
                continue
            out[k] = _wire(v, include_data, k)
        return out
    if key in _TIMESTAMP_KEYS and isinstance(value, int | float):
        return value / 1000
    return value


def render(event: WireDict, *, include_data: bool = True) -> WireDict:
    """The wire shape of a stored event: epoch seconds, payloads only when ``include_data``."""
    rendered: WireDict = _wire(event, include_data)
    return rendered


def page(
    events: list[WireDict], *, marker: str | None, max_items: int, reverse: bool = False
) -> tuple[list[WireDict], str | None]:
    """One page of ``events``; the marker is the position of the next event in the chosen order."""
    ordered = list(reversed(events)) if reverse else events
    start = int(marker) if marker else 0
    end = start + max_items
    return ordered[start:end], (str(end) if end < len(ordered) else None)
