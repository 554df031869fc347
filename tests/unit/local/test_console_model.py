"""The console's model of an execution, built from a history (local/console/model.py)."""

from __future__ import annotations

from typing import Any

from powertools_durable.local.console.model import build, decoded

T0 = 1_700_000_000.0


def event(number: int, at: float, kind: str, op: str | None = None, **extra: Any) -> dict[str, Any]:
    shaped: dict[str, Any] = {"EventId": number, "EventTimestamp": T0 + at, "EventType": kind}
    if op is not None:
        shaped["Id"] = op
    details = extra.pop("details", None)
    if details is not None:
        shaped[f"{kind}Details"] = details
    shaped.update(extra)
    return shaped


def error(message: str) -> dict[str, Any]:
    return {"Payload": {"ErrorType": "ValueError", "ErrorMessage": message}, "Truncated": False}


HISTORY = [
    event(1, 0, "ExecutionStarted", "exec", details={"Input": {"Payload": '{"order": 1}'}}),
    event(2, 1, "StepStarted", "s1", Name="flaky"),
    event(
        3,
        1.5,
        "StepFailed",
        "s1",
        Name="flaky",
        details={"Error": error("no"), "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 5}},
    ),
    event(4, 1.6, "InvocationCompleted", details={"StartTimestamp": T0, "EndTimestamp": T0 + 1.6, "RequestId": "r1"}),
    event(5, 6.5, "StepStarted", "s1", Name="flaky"),
    event(
        6,
        7,
        "StepSucceeded",
        "s1",
        Name="flaky",
        details={"Result": {"Payload": '{"t":"m","v":{"ok":true}}'}, "RetryDetails": {"CurrentAttempt": 2}},
    ),
    event(7, 7, "ContextStarted", "c1", Name="checks", SubType="Parallel"),
    event(8, 7, "ContextStarted", "b1", Name="branch-0", SubType="ParallelBranch", ParentId="c1"),
    event(
        9, 7, "WaitStarted", "w1", Name="nap", ParentId="b1", details={"Duration": 60, "ScheduledEndTimestamp": T0 + 67}
    ),
    event(10, 7.1, "CallbackStarted", "cb", Name="approval", details={"CallbackId": "CB-1", "Timeout": 3600}),
    event(
        11,
        7.2,
        "ChainedInvokeStarted",
        "ci",
        Name="invoice",
        details={"FunctionName": "Invoice", "DurableExecutionArn": "arn:child", "Input": {"Payload": "[1]"}},
    ),
]


def test_operations_nest_under_their_parents_in_tree_order() -> None:
    model = build(HISTORY, [("r1", "hello\n")], now=T0 + 20)
    assert [(op["name"], op["depth"]) for op in model["operations"]] == [
        ("flaky", 0),
        ("checks", 0),
        ("branch-0", 1),
        ("nap", 2),
        ("approval", 0),
        ("invoice", 0),
    ]
    assert model["running"] is True
    assert model["end"] == 20
    assert model["input"] == {"order": 1}


def test_step_attempts_carry_errors_and_retry_delays() -> None:
    flaky = build(HISTORY, [])["operations"][0]
    assert flaky["status"] == "SUCCEEDED"
    assert flaky["result"] == {"ok": True}  # the tagged envelope, decoded for people
    assert "error" not in flaky  # an attempt's error stays with the attempt
    first, second = flaky["attempts"]
    assert first == {
        "number": 1,
        "start": 1,
        "end": 1.5,
        "outcome": "FAILED",
        "error": {"ErrorType": "ValueError", "ErrorMessage": "no"},
        "retryDelay": 5,
    }
    assert (second["number"], second["start"], second["end"], second["outcome"]) == (2, 6.5, 7, "SUCCEEDED")


def test_waits_callbacks_chained_invokes_and_invocations() -> None:
    model = build(HISTORY, [("r1", "hello\n")])
    by_name = {op["name"]: op for op in model["operations"]}
    assert (by_name["nap"]["scheduledEnd"], by_name["nap"]["duration"], by_name["nap"]["end"]) == (67, 60, None)
    assert by_name["approval"]["callbackId"] == "CB-1"
    assert by_name["invoice"]["target"] == {"functionName": "Invoice", "arn": "arn:child"}
    assert by_name["invoice"]["input"] == [1]
    assert model["pending"] == [{"name": "approval", "callbackId": "CB-1"}]
    assert model["invocations"] == [{"requestId": "r1", "start": 0, "end": 1.6, "error": None, "logs": "hello\n"}]
    assert [row["depth"] for row in model["rows"][6:9]] == [0, 1, 2]
    assert model["rows"][2]["text"].startswith("flaky attempt 1 ValueError: no, retry in 5s")


def test_a_step_retrying_is_pending_until_its_next_attempt() -> None:
    step = build(HISTORY[:3], [])["operations"][0]
    assert (step["status"], step["end"], step["nextAttemptAt"]) == ("PENDING", None, 6.5)


def test_a_cycle_of_parents_in_untrusted_data_is_drawn_once() -> None:
    looped = [
        event(1, 0, "ExecutionStarted", "exec"),
        event(2, 1, "ContextStarted", "a", ParentId="b"),
        event(3, 1, "ContextStarted", "b", ParentId="a"),
    ]
    assert sorted(op["id"] for op in build(looped, [])["operations"]) == ["a", "b"]


def test_payloads_that_are_not_json_are_shown_as_text() -> None:
    assert decoded({"Payload": "<b>not json"}) == "<b>not json"
    assert decoded(None) is None
    assert build([], [])["operations"] == []
