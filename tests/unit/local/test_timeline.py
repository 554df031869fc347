"""The readable timeline decodes the serdes envelope and never imports the classes it names."""

from __future__ import annotations

import json

from powertools_durable.local.timeline import format_timeline, readable, show_payload


def test_readable_unwraps_the_tagged_envelope() -> None:
    tagged = {"t": "m", "v": {"a": {"t": "i", "v": 1}, "b": {"t": "l", "v": [{"t": "s", "v": "x"}]}}}
    assert readable(tagged) == {"a": 1, "b": ["x"]}
    model = {"t": "pm", "v": {"c": "nowhere.Missing", "d": {"id": 3}}}
    assert readable(model) == {"id": 3}
    assert show_payload(json.dumps(tagged)) == '{"a":1,"b":["x"]}'
    assert show_payload("x" * 500).endswith("…")


def test_timeline_lines_are_relative_and_logs_follow_their_invocation() -> None:
    events = [
        {
            "EventId": 1,
            "EventType": "ExecutionStarted",
            "EventTimestamp": 100.0,
            "ExecutionStartedDetails": {"Input": {"Payload": "{}"}},
        },
        {
            "EventId": 2,
            "EventType": "InvocationCompleted",
            "EventTimestamp": 101.5,
            "InvocationCompletedDetails": {
                "StartTimestamp": 100.0,
                "EndTimestamp": 101.5,
                "RequestId": "req-1",
                "Error": {"Payload": {"ErrorType": "Runtime.ExitError"}},
            },
        },
    ]
    text = format_timeline(events, [("req-1", "hello\nworld\n")])
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["+0.000s", "1", "ExecutionStarted"]
    assert "+1.500s" in lines[1]
    assert "Runtime.ExitError" in lines[1]
    assert lines[2].endswith("| hello")
    assert lines[3].endswith("| world")


def test_errors_of_any_event_are_shown() -> None:
    event = {
        "EventId": 4,
        "EventType": "CallbackTimedOut",
        "Name": "approval",
        "EventTimestamp": 1.0,
        "CallbackTimedOutDetails": {"Error": {"Payload": {"ErrorType": "Callback.Timeout", "ErrorMessage": "late"}}},
    }
    assert "approval Callback.Timeout: late" in format_timeline([event])


def _callback_started(event_id: int, op_id: str, name: str | None, **details: object) -> dict[str, object]:
    event: dict[str, object] = {"EventId": event_id, "EventType": "CallbackStarted", "Id": op_id, "EventTimestamp": 1.0}
    if name:
        event["Name"] = name
    event["CallbackStartedDetails"] = {"CallbackId": f"cb-{op_id}", **details}
    return event


def test_pending_callbacks_close_the_timeline_with_their_ids() -> None:
    # GIVEN two callbacks started, one answered, the execution still running
    events = [
        {"EventId": 1, "EventType": "ExecutionStarted", "EventTimestamp": 0.0, "ExecutionStartedDetails": {}},
        _callback_started(2, "op-a", "approval", Timeout=60, HeartbeatTimeout=10),
        _callback_started(3, "op-b", None),
        {"EventId": 4, "EventType": "CallbackSucceeded", "Id": "op-b", "EventTimestamp": 2.0},
    ]
    lines = format_timeline(events).splitlines()
    # THEN the started line shows the limits, and only the unanswered one is pending, with its id
    assert lines[1].endswith("CallbackStarted        approval (timeout 60s, heartbeat 10s)")
    assert [line for line in lines if line.startswith("pending:")] == ["pending: callback approval id=cb-op-a"]
    # AND once the execution ended nothing is pending
    ended = {"EventId": 5, "EventType": "ExecutionFailed", "EventTimestamp": 3.0, "ExecutionFailedDetails": {}}
    assert "pending:" not in format_timeline([*events, ended])


def test_branches_and_iterations_are_nested_under_their_parent() -> None:
    # GIVEN a map with one iteration holding one step, its batch result tagged "br"
    def event(event_id: int, kind: str, op: str, parent: str | None, sub_type: str, **details: object) -> dict:
        shape: dict[str, object] = {"EventId": event_id, "EventType": kind, "Id": op, "SubType": sub_type}
        shape.update({"EventTimestamp": 1.0, f"{kind}Details": details})
        if parent:
            shape["ParentId"] = parent
        return shape

    batch = json.dumps({"t": "br", "v": {"completionReason": {"t": "s", "v": "ALL_COMPLETED"}}})
    events = [
        event(2, "ContextStarted", "map", None, "Map"),
        event(3, "ContextStarted", "it0", "map", "MapIteration"),
        event(4, "StepStarted", "s0", "it0", "Step"),
        event(5, "ContextSucceeded", "map", None, "Map", Result={"Payload": batch}),
    ]
    # WHEN shown
    lines = format_timeline(events).splitlines()
    # THEN each level is indented under its parent, subtypes named, the batch result decoded
    columns = [line.index(kind) for line, kind in zip(lines, ["Context", "Context", "Step", "Context"], strict=True)]
    assert [column - columns[0] for column in columns] == [0, 2, 4, 0]
    assert lines[1].endswith("it0 [MapIteration]")
    assert lines[3].endswith('map [Map] -> {"completionReason":"ALL_COMPLETED"}')
