"""What the console draws of one execution, computed from its history (the page only lays it out).

The history is the one record of what happened (an operation's attempts, delays, answers, the
invocations that ran it), so the Gantt chart is derived from it, as the CLI timeline is:
operations in tree order (a child context's operations under it, depth given), each with its
start and end in seconds of modelled time since the execution started, a step's attempts with
their errors and retry delays, a wait's scheduled end, a callback's id, a chained invoke's target
execution; the invocations as bands, with their logs. Payloads are decoded for people with the
CLI timeline's :func:`~powertools_durable.local.timeline.readable` (data only: nothing is imported).
"""

from __future__ import annotations

import json
import re
from typing import Any

from powertools_durable.local.timeline import describe, pending_callbacks, readable
from powertools_durable.service.wire import WireDict

_EVENT = re.compile(
    r"^(Step|Wait|Callback|ChainedInvoke|Context)(Started|Succeeded|Failed|TimedOut|Stopped|Cancelled)$"
)
_STATUS = {
    "Started": "STARTED",
    "Succeeded": "SUCCEEDED",
    "Failed": "FAILED",
    "TimedOut": "TIMED_OUT",
    "Stopped": "STOPPED",
    "Cancelled": "CANCELLED",
}
_TYPES = {
    "Step": "STEP",
    "Wait": "WAIT",
    "Callback": "CALLBACK",
    "ChainedInvoke": "CHAINED_INVOKE",
    "Context": "CONTEXT",
}
_EXECUTION_ENDS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped"})


def decoded(holder: Any) -> Any:
    """A ``{"Payload": …}`` holder's payload for people: JSON decoded and unwrapped, else the text itself."""
    if not isinstance(holder, dict) or "Payload" not in holder:
        return None
    payload = holder["Payload"]
    if isinstance(payload, str):
        try:
            return readable(json.loads(payload))
        except json.JSONDecodeError:
            return payload
    return readable(payload)


def _seconds(value: Any, origin: float) -> float | None:
    return round(float(value) - origin, 3) if isinstance(value, int | float) else None


class _Operation:
    """One operation as its events tell it."""

    def __init__(self, event: WireDict, kind: str) -> None:
        self.data: WireDict = {
            "id": event["Id"],
            "parentId": event.get("ParentId"),
            "name": event.get("Name"),
            "type": _TYPES[kind],
            "subType": event.get("SubType"),
            "status": "STARTED",
            "start": None,
            "end": None,
            "attempts": [],
            "events": [],
        }
        self.open_attempt: float | None = None
        self.retry_at: float | None = None

    def apply(self, event: WireDict, suffix: str, at: float, origin: float) -> None:
        data = self.data
        details: WireDict = event.get(f"{event['EventType']}Details") or {}
        data["events"].append(event["EventId"])
        data["name"] = data["name"] or event.get("Name")
        data["subType"] = data["subType"] or event.get("SubType")
        if data["start"] is None:
            data["start"] = at
        data["status"] = _STATUS[suffix]
        if suffix == "Started":
            self._started(details, at, origin)
        else:
            data["end"] = at
        if "Result" in details:
            data["result"] = decoded(details["Result"])
        if data["type"] == "STEP" and suffix in ("Succeeded", "Failed"):
            self._attempt_ended(details, at)  # an attempt's error stays with the attempt
            if data["status"] == "FAILED":
                data["error"] = data["attempts"][-1].get("error")
        elif "Error" in details:
            data["error"] = decoded(details["Error"])

    def _started(self, details: WireDict, at: float, origin: float) -> None:
        data = self.data
        kind = data["type"]
        if kind == "STEP":
            self.open_attempt = at
        elif kind == "WAIT":
            data["duration"] = details.get("Duration")
            data["scheduledEnd"] = _seconds(details.get("ScheduledEndTimestamp"), origin)
        elif kind == "CALLBACK":
            data["callbackId"] = details.get("CallbackId")
            data["timeout"] = details.get("Timeout")
            data["heartbeatTimeout"] = details.get("HeartbeatTimeout")
        elif kind == "CHAINED_INVOKE":
            data["target"] = {"functionName": details.get("FunctionName"), "arn": details.get("DurableExecutionArn")}
            data["input"] = decoded(details.get("Input"))

    def _attempt_ended(self, details: WireDict, at: float) -> None:
        retry = details.get("RetryDetails") or {}
        start = self.open_attempt if self.open_attempt is not None else self.retry_at
        attempt: WireDict = {
            "number": retry.get("CurrentAttempt") or len(self.data["attempts"]) + 1,
            "start": start if start is not None and start <= at else at,
            "end": at,
            "outcome": "SUCCEEDED" if "Error" not in details else "FAILED",
        }
        if "Error" in details:
            attempt["error"] = decoded(details["Error"])
        delay = retry.get("NextAttemptDelaySeconds")
        self.open_attempt, self.retry_at = None, None
        if delay is not None:  # a retry (or a wait_for_condition poll): the step goes on after the delay
            attempt["retryDelay"] = delay
            self.retry_at = at + float(delay)
            self.data["status"] = "PENDING"
            self.data["end"] = None
            self.data["nextAttemptAt"] = self.retry_at
        else:
            self.data.pop("nextAttemptAt", None)
        self.data["attempts"].append(attempt)


def build(events: list[WireDict], logs: list[tuple[str, str]], now: float | None = None) -> WireDict:
    """The console's model of an execution from its history (wire shape, epoch seconds) and invocation logs.

    ``now`` (epoch seconds, modelled) is where a running execution's open bars end.
    """
    if not events:
        return {"origin": None, "end": 0, "operations": [], "invocations": [], "pending": [], "rows": []}
    origin = float(events[0]["EventTimestamp"])
    operations: dict[str, _Operation] = {}
    invocations: list[WireDict] = []
    by_request = dict(logs)
    ended_at: float | None = None
    execution_input = execution_result = execution_error = None
    for event in events:
        kind, at = event["EventType"], round(float(event["EventTimestamp"]) - origin, 3)
        details: WireDict = event.get(f"{kind}Details") or {}
        match = _EVENT.match(kind)
        if match and event.get("Id"):
            operation = operations.get(event["Id"]) or operations.setdefault(event["Id"], _Operation(event, match[1]))
            operation.apply(event, match[2], at, origin)
        elif kind == "InvocationCompleted":
            invocations.append(_invocation(details, origin, by_request))
        elif kind == "ExecutionStarted":
            execution_input = decoded(details.get("Input"))
        elif kind in _EXECUTION_ENDS:
            ended_at = at
            execution_result, execution_error = decoded(details.get("Result")), decoded(details.get("Error"))
    end = (
        ended_at
        if ended_at is not None
        else max(round((now or origin) - origin, 3), float(events[-1]["EventTimestamp"]) - origin)
    )
    return {
        "origin": origin,
        "end": end,
        "running": ended_at is None,
        "input": execution_input,
        "result": execution_result,
        "error": execution_error,
        "operations": _tree_order(operations),
        "invocations": invocations,
        "pending": [{"name": name, "callbackId": callback} for name, callback in pending_callbacks(events)],
        "rows": [_row(event, origin, operations) for event in events],
    }


def _invocation(details: WireDict, origin: float, by_request: dict[str, str]) -> WireDict:
    request = str(details.get("RequestId") or "")
    return {
        "requestId": request,
        "start": _seconds(details.get("StartTimestamp"), origin),
        "end": _seconds(details.get("EndTimestamp"), origin),
        "error": decoded(details.get("Error")),
        "logs": by_request.get(request, ""),
    }


def _tree_order(operations: dict[str, _Operation]) -> list[WireDict]:
    """Operations depth-first, children after their parent in order of appearance; ``depth`` set on each."""
    children: dict[str | None, list[WireDict]] = {}
    for operation in operations.values():
        parent = operation.data["parentId"]
        children.setdefault(parent if parent in operations else None, []).append(operation.data)
    ordered: list[WireDict] = []
    stack = [(data, 0) for data in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        data, depth = stack.pop()
        if data["id"] in seen:  # a cycle in untrusted data is drawn once
            continue
        seen.add(data["id"])
        ordered.append({**data, "depth": depth})
        stack.extend((child, depth + 1) for child in reversed(children.get(data["id"], [])))
    ordered.extend({**op.data, "depth": 0} for op in operations.values() if op.data["id"] not in seen)
    return ordered


def _row(event: WireDict, origin: float, operations: dict[str, _Operation]) -> WireDict:
    """One line of the history table: the CLI timeline's words for the event."""
    depth, parent, seen = 0, event.get("ParentId"), set()
    while parent in operations and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = operations[parent].data["parentId"]
    return {
        "eventId": event.get("EventId"),
        "at": round(float(event["EventTimestamp"]) - origin, 3),
        "type": event["EventType"],
        "depth": depth,
        "operationId": event.get("Id") if _EVENT.match(event["EventType"]) else None,
        "text": describe(event),
    }
