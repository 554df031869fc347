"""History events in Lambda's shapes, from updates as the transitions apply them."""

from __future__ import annotations

from typing import Any

from powertools_durable.local import history
from powertools_durable.local.transitions import apply_update, fire

NOW = 1_700_000_000_000


def _step(action: str, **fields: Any) -> dict[str, Any]:
    return {"Id": "s1", "Type": "STEP", "SubType": "Step", "Name": "charge", "Action": action, **fields}


def test_retry_is_a_step_failed_with_retry_details_then_success_counts_attempts() -> None:
    # GIVEN a step that starts, fails with a retry, starts again and succeeds
    error = {"ErrorType": "ValueError", "ErrorMessage": "boom"}
    op = apply_update(_step("START"), None, NOW)
    started = history.update_event(_step("START"), None, op, NOW)
    retry = _step("RETRY", Error=error, StepOptions={"NextAttemptDelaySeconds": 2})
    after_retry = apply_update(retry, op, NOW)
    failed = history.update_event(retry, op, after_retry, NOW)
    ready = fire(after_retry, NOW + 2_000)
    again = apply_update(_step("START"), ready, NOW + 2_000)
    succeed = _step("SUCCEED", Payload='"ok"')
    done = apply_update(succeed, again, NOW + 2_000)
    succeeded = history.update_event(succeed, again, done, NOW + 2_000)
    # THEN the events read as Lambda's
    assert started == {
        "EventType": "StepStarted",
        "SubType": "Step",
        "Id": "s1",
        "Name": "charge",
        "EventTimestamp": NOW,
        "StepStartedDetails": {},
    }
    assert failed is not None
    assert failed["EventType"] == "StepFailed"
    assert failed["StepFailedDetails"] == {
        "Error": {"Payload": error, "Truncated": False},
        "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2},
    }
    assert succeeded is not None
    assert succeeded["StepSucceededDetails"] == {
        "Result": {"Payload": '"ok"', "Truncated": False},
        "RetryDetails": {"CurrentAttempt": 2},
    }


def test_final_failure_carries_attempts_made_without_delay() -> None:
    fail = _step("FAIL", Error={"ErrorType": "E"})
    op = apply_update(_step("START"), None, NOW)
    event = history.update_event(fail, op, apply_update(fail, op, NOW), NOW)
    assert event is not None
    assert event["StepFailedDetails"]["RetryDetails"] == {"CurrentAttempt": 1}


def test_wait_started_and_succeeded_keep_the_modelled_duration() -> None:
    start = {"Id": "w1", "Type": "WAIT", "SubType": "Wait", "Action": "START", "WaitOptions": {"WaitSeconds": 300}}
    op = apply_update(start, None, NOW)
    started = history.update_event(start, None, op, NOW)
    assert started is not None
    assert started["WaitStartedDetails"] == {"Duration": 300, "ScheduledEndTimestamp": NOW + 300_000}
    assert "Name" not in started
    # fired late (a slow machine): the duration is still the modelled one
    succeeded = history.wait_succeeded(op, NOW + 301_234)
    assert succeeded["WaitSucceededDetails"] == {"Duration": 300}
    assert succeeded["EventTimestamp"] == NOW + 301_234


def test_execution_updates_give_no_event() -> None:
    update = {"Id": "e", "Type": "EXECUTION", "Action": "SUCCEED", "Payload": "1"}
    current = {"Id": "e", "Type": "EXECUTION", "Status": "STARTED"}
    assert history.update_event(update, current, apply_update(update, current, NOW), NOW) is None


def test_invocation_completed_has_no_operation_fields() -> None:
    event = history.invocation_completed(NOW, NOW + 5, "req-1", {"ErrorType": "Runtime.ExitError"})
    assert set(event) == {"EventType", "EventTimestamp", "InvocationCompletedDetails"}
    assert event["InvocationCompletedDetails"]["Error"]["Payload"] == {"ErrorType": "Runtime.ExitError"}


def test_render_uses_epoch_seconds_and_drops_payloads_without_data() -> None:
    event = {"EventId": 3, **history.execution_ended("SUCCEEDED", "e", NOW, result='"r"')}
    assert history.render(event)["EventTimestamp"] == NOW / 1000
    assert history.render(event)["ExecutionSucceededDetails"]["Result"]["Payload"] == '"r"'
    assert history.render(event, include_data=False)["ExecutionSucceededDetails"] == {"Result": {"Truncated": False}}


def test_page_and_reverse() -> None:
    events = [{"EventId": i} for i in range(1, 6)]
    first, marker = history.page(events, marker=None, max_items=2)
    second, marker2 = history.page(events, marker=marker, max_items=2)
    last, end = history.page(events, marker=marker2, max_items=2)
    assert [e["EventId"] for e in first + second + last] == [1, 2, 3, 4, 5]
    assert end is None
    newest, _ = history.page(events, marker=None, max_items=2, reverse=True)
    assert [e["EventId"] for e in newest] == [5, 4]


def test_child_context_events_carry_parent_and_result() -> None:
    start = {"Id": "c1", "Type": "CONTEXT", "SubType": "RunInChildContext", "Name": "kid", "Action": "START"}
    op = apply_update(start, None, NOW)
    inner = {"Id": "s9", "ParentId": "c1", "Type": "STEP", "SubType": "Step", "Action": "START"}
    inner_event = history.update_event(inner, None, apply_update(inner, None, NOW), NOW)
    succeed = {"Id": "c1", "Type": "CONTEXT", "SubType": "RunInChildContext", "Action": "SUCCEED", "Payload": "1"}
    done = history.update_event(succeed, op, apply_update(succeed, op, NOW), NOW)
    assert inner_event is not None
    assert inner_event["ParentId"] == "c1"
    assert done is not None
    assert done["EventType"] == "ContextSucceeded"
    assert done["Name"] == "kid"
    assert done["ContextSucceededDetails"] == {"Result": {"Payload": "1", "Truncated": False}}


def test_wait_for_condition_poll_is_a_step_succeeded_whose_state_the_next_attempt_reads() -> None:
    # GIVEN a wait_for_condition poll: a RETRY carrying the polled state, no error
    def poll(action: str, **fields: Any) -> dict[str, Any]:
        return {"Id": "p1", "Type": "STEP", "SubType": "WaitForCondition", "Action": action, **fields}

    op = apply_update(poll("START"), None, NOW)
    retry = poll("RETRY", Payload="1", StepOptions={"NextAttemptDelaySeconds": 2})
    pending = apply_update(retry, op, NOW)
    event = history.update_event(retry, op, pending, NOW)
    # THEN Lambda's history shows a StepSucceeded with the state and the next attempt's delay
    assert event is not None
    assert event["EventType"] == "StepSucceeded"
    assert event["StepSucceededDetails"] == {
        "Result": {"Payload": "1", "Truncated": False},
        "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2},
    }
    # AND the operation keeps the state as its Result, with no Error, once READY and STARTED again
    ready = fire(pending, NOW + 2_000)
    again = apply_update(poll("START"), ready, NOW + 2_000)
    assert again["StepDetails"] == {"Attempt": 1, "Result": "1"}
