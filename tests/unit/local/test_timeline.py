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
