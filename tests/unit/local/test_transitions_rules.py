"""The service's per-operation-type rules: what each update does, what it refuses, what a timer does."""

from __future__ import annotations

import pytest

from powertools_durable.local.transitions import (
    InvalidUpdateError,
    apply_update,
    complete_callback,
    fire,
    heartbeat,
    hold_chained_outcome,
    wake_time,
)

NOW = 1_000_000


def test_context_starts_then_succeeds_with_its_result() -> None:
    start = {"Id": "c1", "Type": "CONTEXT", "SubType": "RunInChildContext", "Name": "child", "Action": "START"}
    op = apply_update(start, None, NOW)
    assert op["Status"] == "STARTED"
    assert op["Name"] == "child"
    done = apply_update({"Id": "c1", "Type": "CONTEXT", "Action": "SUCCEED", "Payload": '"r"'}, op, NOW + 5)
    assert done["Status"] == "SUCCEEDED"
    assert done["ContextDetails"] == {"Result": '"r"'}
    assert done["EndTimestamp"] == NOW + 5
    with pytest.raises(InvalidUpdateError, match="already SUCCEEDED"):
        apply_update({"Id": "c1", "Type": "CONTEXT", "Action": "FAIL"}, done, NOW)


def test_replay_children_is_recorded_when_it_comes_with_succeed() -> None:
    # GIVEN a child whose result was too large: the SDKs send ReplayChildren with the SUCCEED
    op = apply_update({"Id": "c1", "Type": "CONTEXT", "Action": "START"}, None, NOW)
    update = {
        "Id": "c1",
        "Type": "CONTEXT",
        "Action": "SUCCEED",
        "Payload": "",
        "ContextOptions": {"ReplayChildren": True},
    }
    # WHEN applied / THEN the operation tells a replay to re-run the children
    assert apply_update(update, op, NOW)["ContextDetails"] == {"Result": "", "ReplayChildren": True}


def test_callback_overall_timeout_is_callback_timeout() -> None:
    # GIVEN a callback with only an overall timeout / WHEN it expires / THEN Callback.Timeout
    start = {"Id": "cb", "Type": "CALLBACK", "Action": "START", "CallbackOptions": {"TimeoutSeconds": 5}}
    timed_out = fire(apply_update(start, None, NOW), NOW + 5_000)
    assert timed_out["CallbackDetails"]["Error"]["ErrorType"] == "Callback.Timeout"


def test_context_failure_keeps_the_error() -> None:
    op = apply_update({"Id": "c1", "Type": "CONTEXT", "Action": "START"}, None, NOW)
    failed = apply_update({"Id": "c1", "Type": "CONTEXT", "Action": "FAIL", "Error": {"ErrorType": "E"}}, op, NOW)
    assert failed["Status"] == "FAILED"
    assert failed["ContextDetails"]["Error"] == {"ErrorType": "E"}
    with pytest.raises(InvalidUpdateError, match="RETRY is not valid for a CONTEXT"):
        apply_update({"Id": "c2", "Type": "CONTEXT", "Action": "RETRY"}, None, NOW)


def test_wait_timer_fires_to_succeeded_and_retry_timer_to_ready() -> None:
    wait = apply_update({"Id": "w", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 3}}, None, NOW)
    assert wake_time(wait) == NOW + 3_000
    assert fire(wait, NOW + 3_000)["Status"] == "SUCCEEDED"
    step = apply_update({"Id": "s", "Type": "STEP", "Action": "START"}, None, NOW)
    retry = {"Id": "s", "Type": "STEP", "Action": "RETRY", "StepOptions": {"NextAttemptDelaySeconds": 2}}
    pending = apply_update(retry, step, NOW)
    assert wake_time(pending) == NOW + 2_000
    ready = fire(pending, NOW + 2_000)
    assert ready["Status"] == "READY"
    assert wake_time(ready) is None


def test_updates_of_another_type_or_unknown_type_are_refused() -> None:
    step = apply_update({"Id": "x", "Type": "STEP", "Action": "START"}, None, NOW)
    with pytest.raises(InvalidUpdateError, match="is a STEP, not a WAIT"):
        apply_update({"Id": "x", "Type": "WAIT", "Action": "START"}, step, NOW)
    with pytest.raises(InvalidUpdateError, match="not supported"):
        apply_update({"Id": "y", "Type": "TELEPORT", "Action": "START"}, None, NOW)
    with pytest.raises(InvalidUpdateError, match="WaitSeconds"):
        apply_update({"Id": "z", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 0}}, None, NOW)


def test_callback_times_out_on_its_timeout_or_missed_heartbeat() -> None:
    options = {"TimeoutSeconds": 60, "HeartbeatTimeoutSeconds": 10}
    start = {"Id": "cb", "Type": "CALLBACK", "SubType": "Callback", "Action": "START", "CallbackOptions": options}
    op = apply_update(start, None, NOW)
    assert op["Status"] == "STARTED"
    assert wake_time(op) == NOW + 10_000  # the heartbeat deadline comes first
    kept_alive = heartbeat(op, NOW + 9_000)
    assert wake_time(kept_alive) == NOW + 19_000
    timed_out = fire(kept_alive, NOW + 19_000)
    assert timed_out["Status"] == "TIMED_OUT"
    assert "heartbeat" in timed_out["CallbackDetails"]["Error"]["ErrorMessage"]
    assert timed_out["CallbackDetails"]["Error"]["ErrorType"] == "Callback.Heartbeat"  # as Lambda writes it
    assert "_Timers" not in timed_out
    assert wake_time(timed_out) is None


def test_callback_answered_once() -> None:
    op = apply_update({"Id": "cb", "Type": "CALLBACK", "Action": "START"}, None, NOW)
    assert wake_time(op) is None  # no timeouts asked for
    done = complete_callback(op, NOW + 1, result='"yes"')
    assert done["Status"] == "SUCCEEDED"
    assert done["CallbackDetails"] == {"Result": '"yes"'}
    with pytest.raises(InvalidUpdateError, match="already SUCCEEDED"):
        complete_callback(done, NOW + 2, error={"ErrorType": "E"})


def test_chained_invoke_outcome_is_held_until_the_service_fires_it() -> None:
    # GIVEN a started chained invoke whose target has just ended
    start = {"Id": "ci", "Type": "CHAINED_INVOKE", "Action": "START", "ChainedInvokeOptions": {"FunctionName": "f"}}
    op = apply_update(start, None, NOW)
    held = hold_chained_outcome(op, NOW + 5, "SUCCEEDED", result='"ok"')
    # THEN the operation is still STARTED (nothing lands inside the caller's invocation) but due at once
    assert held["Status"] == "STARTED"
    assert wake_time(held) == NOW + 5
    # WHEN the service fires it / THEN it takes the target's outcome, and the private key is gone
    done = fire(held, NOW + 9)
    assert (done["Status"], done["ChainedInvokeDetails"]) == ("SUCCEEDED", {"Result": '"ok"'})
    assert "_Outcome" not in done
    assert wake_time(done) is None
    with pytest.raises(InvalidUpdateError, match="already SUCCEEDED"):
        hold_chained_outcome(done, NOW + 10, "FAILED")
