"""How the service applies one ``OperationUpdate`` to an operation: pure functions, no I/O.

One function per operation type, in a dispatch table; each takes the operation as stored
(or ``None``), the update, and the time (epoch milliseconds) and returns the operation as it
is now. The emulator and the in-memory service of the unit tests share these rules, so the
fake the engine is tested against cannot drift from the emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from powertools_durable.service.wire import OperationAction, OperationStatus, OperationType, WireDict

# Enum members bound once for the transitions every step goes through (a member looked up on its
# class costs three times a global's lookup; a fan-out applies thousands of updates per call).
_SUCCEEDED, _FAILED, _STARTED, _PENDING = (
    OperationStatus.SUCCEEDED,
    OperationStatus.FAILED,
    OperationStatus.STARTED,
    OperationStatus.PENDING,
)
_START, _SUCCEED, _FAIL, _RETRY = (
    OperationAction.START,
    OperationAction.SUCCEED,
    OperationAction.FAIL,
    OperationAction.RETRY,
)


class InvalidUpdateError(ValueError):
    """The update is not allowed for this operation in its current state."""


def _base(update: WireDict, current: WireDict | None, status: str, now_ms: int) -> WireDict:
    op: WireDict = dict(current) if current else {"Id": update["Id"], "Type": update["Type"], "StartTimestamp": now_ms}
    for field in ("ParentId", "Name", "SubType"):
        if update.get(field) is not None:
            op[field] = update[field]
    op["Status"] = status
    return op


def _end(op: WireDict, now_ms: int) -> WireDict:
    op["EndTimestamp"] = now_ms
    return op


def apply_step(update: WireDict, current: WireDict | None, now_ms: int) -> WireDict:
    action = update["Action"]
    details: WireDict = dict((current or {}).get("StepDetails") or {})
    details.setdefault("Attempt", 0)
    if current is not None and current["Status"] in (_SUCCEEDED, _FAILED):
        raise InvalidUpdateError(f"step {update['Id']} is already {current['Status']}")
    if action == _START:
        op = _base(update, current, _STARTED, now_ms)
        details.pop("NextAttemptTimestamp", None)
    elif action == _SUCCEED:
        op = _end(_base(update, current, _SUCCEEDED, now_ms), now_ms)
        if update.get("Payload") is not None:
            details["Result"] = update["Payload"]
        details.pop("NextAttemptTimestamp", None)
    elif action == _FAIL:
        op = _end(_base(update, current, _FAILED, now_ms), now_ms)
        details["Attempt"] += 1
        details["Error"] = update.get("Error") or {}
        details.pop("NextAttemptTimestamp", None)
    elif action == _RETRY:
        delay = int(((update.get("StepOptions") or {}).get("NextAttemptDelaySeconds")) or 0)
        op = _base(update, current, _PENDING, now_ms)
        details["Attempt"] += 1
        # A failed attempt's RETRY carries its Error; a wait_for_condition poll's RETRY carries the
        # polled state as its Payload, which the next attempt reads back as the step's Result.
        if update.get("Error") is not None or update.get("Payload") is None:
            details["Error"] = update.get("Error") or {}
        else:
            details.pop("Error", None)
        if update.get("Payload") is not None:
            details["Result"] = update["Payload"]
        details["NextAttemptTimestamp"] = now_ms + delay * 1000
    else:
        raise InvalidUpdateError(f"action {action} is not valid for a STEP operation")
    op["StepDetails"] = details
    return op


def apply_wait(update: WireDict, current: WireDict | None, now_ms: int) -> WireDict:
    action = update["Action"]
    if action == OperationAction.START:
        if current is not None:
            raise InvalidUpdateError(f"wait {update['Id']} was already started")
        seconds = (update.get("WaitOptions") or {}).get("WaitSeconds")
        if not isinstance(seconds, int) or seconds < 1:
            raise InvalidUpdateError("WaitOptions.WaitSeconds must be an integer of at least 1")
        op = _base(update, current, OperationStatus.STARTED, now_ms)
        op["WaitDetails"] = {"ScheduledEndTimestamp": now_ms + seconds * 1000}
        return op
    if action == OperationAction.CANCEL and current is not None:
        return _end(_base(update, current, OperationStatus.CANCELLED, now_ms), now_ms)
    raise InvalidUpdateError(f"action {action} is not valid for a WAIT operation")


def apply_context(update: WireDict, current: WireDict | None, now_ms: int) -> WireDict:
    """A child context: START, then SUCCEED with its result or FAIL with its error."""
    action = update["Action"]
    details: WireDict = dict((current or {}).get("ContextDetails") or {})
    if current is not None and current["Status"] in (OperationStatus.SUCCEEDED, OperationStatus.FAILED):
        raise InvalidUpdateError(f"context {update['Id']} is already {current['Status']}")
    if action == OperationAction.START:
        if current is not None:
            raise InvalidUpdateError(f"context {update['Id']} was already started")
        op = _base(update, current, OperationStatus.STARTED, now_ms)
    elif action == OperationAction.SUCCEED:
        op = _end(_base(update, current, OperationStatus.SUCCEEDED, now_ms), now_ms)
        if update.get("Payload") is not None:
            details["Result"] = update["Payload"]
    elif action == OperationAction.FAIL:
        op = _end(_base(update, current, OperationStatus.FAILED, now_ms), now_ms)
        details["Error"] = update.get("Error") or {}
    else:
        raise InvalidUpdateError(f"action {action} is not valid for a CONTEXT operation")
    # The SDKs send ReplayChildren with the SUCCEED of a result too large to store (a START may carry it too).
    if (update.get("ContextOptions") or {}).get("ReplayChildren") is not None:
        details["ReplayChildren"] = update["ContextOptions"]["ReplayChildren"]
    op["ContextDetails"] = details
    return op


def apply_callback(update: WireDict, current: WireDict | None, now_ms: int) -> WireDict:
    """A callback: START records its timeouts; the external system completes it (:func:`complete_callback`).

    The service adds the ``CallbackId``; the timers live under the private ``_Timers`` key,
    which the service strips from what it returns.
    """
    if update["Action"] != OperationAction.START:
        raise InvalidUpdateError(f"action {update['Action']} is not valid for a CALLBACK operation")
    if current is not None:
        raise InvalidUpdateError(f"callback {update['Id']} was already started")
    options = update.get("CallbackOptions") or {}
    op = _base(update, current, OperationStatus.STARTED, now_ms)
    op["CallbackDetails"] = {}
    timeout, heartbeat = options.get("TimeoutSeconds") or 0, options.get("HeartbeatTimeoutSeconds") or 0
    op["_Timers"] = {
        "TimeoutAt": now_ms + timeout * 1000 if timeout else None,
        "HeartbeatTimeout": heartbeat or None,
        "HeartbeatAt": now_ms,
    }
    return op


def complete_callback(
    op: WireDict, now_ms: int, *, result: str | None = None, error: WireDict | None = None
) -> WireDict:
    """The external system answered: SUCCEEDED with ``result``, or FAILED with ``error``."""
    if op["Status"] != OperationStatus.STARTED:
        raise InvalidUpdateError(f"callback {op['Id']} is already {op['Status']}")
    details = dict(op.get("CallbackDetails") or {})
    if error is not None:
        details["Error"] = error
        status = OperationStatus.FAILED
    else:
        details["Result"] = result
        status = OperationStatus.SUCCEEDED
    done = _end(dict(op, Status=status, CallbackDetails=details), now_ms)
    done.pop("_Timers", None)
    return done


def heartbeat(op: WireDict, now_ms: int) -> WireDict:
    """The external system is still working: the heartbeat timeout starts again."""
    if op["Status"] != OperationStatus.STARTED:
        raise InvalidUpdateError(f"callback {op['Id']} is already {op['Status']}")
    return dict(op, _Timers=dict(op.get("_Timers") or {}, HeartbeatAt=now_ms))


CALLBACK_TIMEOUT = "Callback.Timeout"
CALLBACK_HEARTBEAT_TIMEOUT = "Callback.Heartbeat"


def apply_chained_invoke(update: WireDict, current: WireDict | None, now_ms: int) -> WireDict:
    """A chained invoke: START only; the service completes it when the invoked function ends."""
    if update["Action"] != OperationAction.START:
        raise InvalidUpdateError(f"action {update['Action']} is not valid for a CHAINED_INVOKE operation")
    if current is not None:
        raise InvalidUpdateError(f"chained invoke {update['Id']} was already started")
    if not (update.get("ChainedInvokeOptions") or {}).get("FunctionName"):
        raise InvalidUpdateError("ChainedInvokeOptions.FunctionName is required to START a CHAINED_INVOKE")
    op = _base(update, current, OperationStatus.STARTED, now_ms)
    op["ChainedInvokeDetails"] = {}
    return op


def complete_chained_invoke(
    op: WireDict, now_ms: int, status: str, *, result: str | None = None, error: WireDict | None = None
) -> WireDict:
    """The invoked function ended with ``status`` (SUCCEEDED, FAILED, TIMED_OUT, STOPPED)."""
    details: WireDict = {"Result": result} if status == OperationStatus.SUCCEEDED else {"Error": error or {}}
    done = _end(dict(op, Status=status, ChainedInvokeDetails=details), now_ms)
    done.pop("_Outcome", None)
    return done


def hold_chained_outcome(
    op: WireDict, now_ms: int, status: str, *, result: str | None = None, error: WireDict | None = None
) -> WireDict:
    """The target ended: keep its outcome on the operation (private ``_Outcome``) until the service fires it.

    Applied like a timer that is already due, so it lands only once the caller is between
    invocations: a target that ends at once still gets its ``ChainedInvoke*`` event after the
    caller's ``InvocationCompleted``, as on Lambda.
    """
    if op["Status"] != OperationStatus.STARTED:
        raise InvalidUpdateError(f"chained invoke {op['Id']} is already {op['Status']}")
    return dict(op, _Outcome={"At": now_ms, "Status": status, "Result": result, "Error": error})


def apply_execution(update: WireDict, current: WireDict | None, now_ms: int) -> WireDict:
    if current is None:
        raise InvalidUpdateError("the EXECUTION operation does not exist")
    action = update["Action"]
    if action == OperationAction.SUCCEED:
        op = _end(dict(current, Status=OperationStatus.SUCCEEDED), now_ms)
        op["ExecutionDetails"] = dict(current.get("ExecutionDetails") or {}, Result=update.get("Payload"))
        return op
    if action == OperationAction.FAIL:
        op = _end(dict(current, Status=OperationStatus.FAILED), now_ms)
        op["ExecutionDetails"] = dict(current.get("ExecutionDetails") or {}, Error=update.get("Error") or {})
        return op
    raise InvalidUpdateError(f"action {action} is not valid for the EXECUTION operation")


TRANSITIONS: dict[str, Callable[[WireDict, WireDict | None, int], WireDict]] = {
    OperationType.STEP: apply_step,
    OperationType.WAIT: apply_wait,
    OperationType.CONTEXT: apply_context,
    OperationType.CALLBACK: apply_callback,
    OperationType.CHAINED_INVOKE: apply_chained_invoke,
    OperationType.EXECUTION: apply_execution,
}


def apply_update(update: WireDict, current: WireDict | None, now_ms: int) -> WireDict:
    """Apply one update; raise :class:`InvalidUpdateError` naming what is wrong."""
    for field in ("Id", "Type", "Action"):
        if not isinstance(update.get(field), str):
            raise InvalidUpdateError(f"OperationUpdate.{field} is missing or not a string")
    transition = TRANSITIONS.get(update["Type"])
    if transition is None:
        raise InvalidUpdateError(f"operation type {update['Type']} is not supported by this service")
    if current is not None and current["Type"] != update["Type"]:
        raise InvalidUpdateError(f"operation {update['Id']} is a {current['Type']}, not a {update['Type']}")
    return transition(update, current, now_ms)


def wake_time(op: WireDict) -> int | None:
    """When the service must act on ``op`` next (a wait's end, a retry's delay), in epoch ms."""
    if op["Type"] == OperationType.WAIT and op["Status"] == OperationStatus.STARTED:
        value: Any = (op.get("WaitDetails") or {}).get("ScheduledEndTimestamp")
        return int(value) if value is not None else None
    if op["Type"] == OperationType.STEP and op["Status"] == OperationStatus.PENDING:
        value = (op.get("StepDetails") or {}).get("NextAttemptTimestamp")
        return int(value) if value is not None else None
    if op["Type"] == OperationType.CHAINED_INVOKE and op["Status"] == OperationStatus.STARTED:
        outcome = op.get("_Outcome")
        return int(outcome["At"]) if outcome else None
    if op["Type"] == OperationType.CALLBACK and op["Status"] == OperationStatus.STARTED:
        timers = op.get("_Timers") or {}
        deadlines = [timers.get("TimeoutAt")]
        if timers.get("HeartbeatTimeout"):
            deadlines.append(int(timers.get("HeartbeatAt") or 0) + int(timers["HeartbeatTimeout"]) * 1000)
        present = [int(d) for d in deadlines if d is not None]
        return min(present) if present else None
    return None


def fire(op: WireDict, now_ms: int) -> WireDict:
    """The service's own transition when ``op``'s time has come.

    A wait succeeds, a retry is READY, a chained invoke takes its target's held outcome, a
    callback that was not answered (or not kept alive by heartbeats) in time is TIMED_OUT.
    """
    if op["Type"] == OperationType.WAIT:
        return _end(dict(op, Status=OperationStatus.SUCCEEDED), now_ms)
    if op["Type"] == OperationType.CHAINED_INVOKE:
        outcome = op["_Outcome"]
        return complete_chained_invoke(op, now_ms, outcome["Status"], result=outcome["Result"], error=outcome["Error"])
    if op["Type"] == OperationType.CALLBACK:
        timers = op.get("_Timers") or {}
        heartbeat_expired = timers.get("TimeoutAt") is None or timers["TimeoutAt"] > now_ms
        error = (
            {"ErrorType": CALLBACK_HEARTBEAT_TIMEOUT, "ErrorMessage": "no heartbeat within the heartbeat timeout"}
            if heartbeat_expired
            else {"ErrorType": CALLBACK_TIMEOUT, "ErrorMessage": "the callback was not answered within its timeout"}
        )
        details = dict(op.get("CallbackDetails") or {}, Error=error)
        done = _end(dict(op, Status=OperationStatus.TIMED_OUT, CallbackDetails=details), now_ms)
        done.pop("_Timers", None)
        return done
    return dict(op, Status=OperationStatus.READY)
