"""An execution's history as a timeline people read: one line per event, times relative to the start.

Operations inside a child context (a ``parallel`` branch, a ``map`` iteration, a
``run_in_child_context``) are indented under their parent, two spaces per level, and context
events name their subtype (``Map``, ``MapIteration``, ``ParallelBranch`` …).

Payloads are shown decoded: the official SDK's tagged envelope (``{"t":"m","v":{…}}``) is
unwrapped into plain JSON for display only. Tags naming Python classes (pydantic models,
dataclasses) are shown as their data, never imported: reading a history runs no user code.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from powertools_durable.service.wire import WireDict

_WIDTH = 22
_MAX_PAYLOAD = 120
_CALLBACK_LIMITS = (("Timeout", "timeout"), ("HeartbeatTimeout", "heartbeat"))
_CALLBACK_ENDS = frozenset({"CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"})
_EXECUTION_ENDS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped"})


def readable(value: Any) -> Any:
    """Unwrap the tagged serdes envelope into plain JSON-able data."""
    if isinstance(value, dict):
        if set(value) == {"t", "v"} and isinstance(value["t"], str):
            tag, inner = value["t"], value["v"]
            if tag == "m":
                return {k: readable(v) for k, v in inner.items()}
            if tag in ("l", "t"):
                return [readable(v) for v in inner]
            if tag == "br" and isinstance(inner, dict):  # a parallel/map BatchResult
                return {k: readable(v) for k, v in inner.items()}
            if tag in ("pm", "dc") and isinstance(inner, dict):
                return readable(inner.get("d"))
            if tag == "B":
                return f"<{len(inner) * 3 // 4} bytes>"
            return inner
        return {k: readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [readable(v) for v in value]
    return value


def show_payload(payload: str | None) -> str:
    """A payload string, decoded and shortened for one line."""
    if payload is None:
        return "null"
    try:
        text = json.dumps(readable(json.loads(payload)), separators=(",", ":"))
    except json.JSONDecodeError:
        text = payload
    return text if len(text) <= _MAX_PAYLOAD else text[: _MAX_PAYLOAD - 1] + "…"


def _seconds(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def _error(holder: WireDict | None) -> str:
    error = (holder or {}).get("Payload") or {}
    kind, message = error.get("ErrorType", "Error"), error.get("ErrorMessage", "")
    return f"{kind}: {message}" if message else str(kind)


def describe(event: WireDict) -> str:
    """What one event says, without its time and number."""
    kind = event["EventType"]
    details: WireDict = event.get(f"{kind}Details") or {}
    label = "" if kind.startswith("Execution") else event.get("Name") or str(event.get("Id") or "")[:12]
    if kind.startswith("Context") and event.get("SubType"):
        label = f"{label} [{event['SubType']}]"
    retry = details.get("RetryDetails") or {}
    attempt = f" attempt {retry['CurrentAttempt']}" if retry.get("CurrentAttempt") else ""
    if kind == "ExecutionStarted":
        return f"input {show_payload((details.get('Input') or {}).get('Payload'))}"
    if kind in ("StepSucceeded", "ContextSucceeded", "ExecutionSucceeded", "CallbackSucceeded"):
        result = details.get("Result")
        shown = f" -> {show_payload(result.get('Payload'))}" if result and "Payload" in result else ""
        return f"{label}{attempt}{shown}".strip()
    if kind == "StepFailed":
        delay = retry.get("NextAttemptDelaySeconds")
        then = f", retry in {delay}s" if delay is not None else ""
        return f"{label}{attempt} {_error(details.get('Error'))}{then}"
    if kind == "WaitStarted":
        return f"{label} {details.get('Duration')}s".strip()
    if kind == "WaitSucceeded":
        return f"{label} after {details.get('Duration')}s".strip()
    if kind == "InvocationCompleted":
        took = _seconds(details["EndTimestamp"]) - _seconds(details["StartTimestamp"])
        error = f" {_error(details['Error'])}" if details.get("Error") else ""
        return f"request {str(details.get('RequestId', ''))[:8]} ({took:.3f}s){error}"
    if kind == "CallbackStarted":
        limits = [f"{word} {details[key]}s" for key, word in _CALLBACK_LIMITS if details.get(key)]
        shown = f" ({', '.join(limits)})" if limits else ""
        return f"{label}{shown}"
    if details.get("Error"):  # ExecutionFailed, ContextFailed, CallbackFailed, CallbackTimedOut, ...
        return f"{label} {_error(details['Error'])}".strip()
    return label


def pending_callbacks(events: list[WireDict]) -> list[tuple[str, str]]:
    """``(label, CallbackId)`` of each callback started and not answered yet, while the execution runs."""
    if any(event["EventType"] in _EXECUTION_ENDS for event in events):
        return []
    ended = {event.get("Id") for event in events if event["EventType"] in _CALLBACK_ENDS}
    pending = []
    for event in events:
        if event["EventType"] == "CallbackStarted" and event.get("Id") not in ended:
            callback_id = (event.get("CallbackStartedDetails") or {}).get("CallbackId")
            pending.append((event.get("Name") or str(event.get("Id") or "")[:12], str(callback_id)))
    return pending


def format_timeline(events: list[WireDict], logs: list[tuple[str, str]] | None = None) -> str:
    """The timeline text; with ``logs``, each invocation's output follows its ``InvocationCompleted``.

    A ``pending: callback <name> id=<CallbackId>`` line closes it for each callback still awaiting its answer.
    """
    if not events:
        return "(no events)"
    origin = _seconds(events[0]["EventTimestamp"])
    by_request = dict(logs or [])
    parents = {event["Id"]: event.get("ParentId") for event in events if event.get("Id")}
    depths = [_depth(event.get("ParentId"), parents) for event in events]
    width = _WIDTH + 2 * max(depths)  # descriptions stay in one column whatever the nesting
    lines = []
    for event, depth in zip(events, depths, strict=True):
        offset = _seconds(event["EventTimestamp"]) - origin
        kind = "  " * depth + event["EventType"]
        lines.append(f"{offset:+10.3f}s {event['EventId']:>4}  {kind:<{width}} {describe(event)}".rstrip())
        request = (event.get("InvocationCompletedDetails") or {}).get("RequestId")
        output = by_request.get(request) if request else None
        if output:
            lines.extend(f"{'':>18}| {line}" for line in output.rstrip("\n").splitlines())
    lines.extend(f"pending: callback {label} id={callback_id}" for label, callback_id in pending_callbacks(events))
    return "\n".join(lines)


def _depth(parent_id: str | None, parents: dict[str, str | None]) -> int:
    """How many contexts an operation is nested in (a cycle in untrusted data stops the walk)."""
    depth, seen = 0, set()
    while parent_id and parent_id not in seen:
        seen.add(parent_id)
        depth += 1
        parent_id = parents.get(parent_id)
    return depth
