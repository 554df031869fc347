"""The conformance matcher fails on a wrong history and passes on a right one."""

import pytest

from powertools_durable.local.conformance.matcher import Mismatch, match_history, match_logs, match_value

EXPECTED = [
    {
        "EventType": "StepStarted",
        "SubType": "Step",
        "EventId": 2,
        "Id": "${ID1}",
        "EventTimestamp": "*",
        "StepStartedDetails": {},
    },
    {
        "EventType": "StepFailed",
        "SubType": "Step",
        "EventId": 3,
        "Id": "${ID1}",
        "EventTimestamp": "*",
        "StepFailedDetails": {
            "Error": {"Payload": {"ErrorType": "${/.*TransientError$/}", "ErrorMessage": "*"}},
            "RetryDetails": {"CurrentAttempt": 1},
        },
    },
    {"EventType": "InvocationCompleted", "EventId": 4, "EventTimestamp": "*", "InvocationCompletedDetails": {}},
]


def actual_history(**overrides):
    events = [
        {"EventType": "ExecutionStarted", "EventId": 1, "EventTimestamp": 1, "ExecutionStartedDetails": {}},
        {
            "EventType": "StepStarted",
            "SubType": "Step",
            "EventId": 2,
            "Id": "abc",
            "EventTimestamp": 2,
            "StepStartedDetails": {},
        },
        {
            "EventType": "StepFailed",
            "SubType": "Step",
            "EventId": 3,
            "Id": "abc",
            "EventTimestamp": 3,
            "StepFailedDetails": {
                "Error": {"Payload": {"ErrorType": "app.TransientError", "ErrorMessage": "x"}},
                "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2},
            },
        },
        {
            "EventType": "InvocationCompleted",
            "EventId": 4,
            "EventTimestamp": 4,
            "InvocationCompletedDetails": {"RequestId": "r"},
        },
    ]
    for path, value in overrides.items():
        index, key = path.split(".", 1)
        target = events[int(index)]
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target[parent]
        if value is None:
            del target[leaf]
        else:
            target[leaf] = value
    return events


def test_matching_history_passes_and_binds_ids():
    # GIVEN a history that satisfies every rule / WHEN matched
    bindings = match_history(EXPECTED, actual_history())
    # THEN the placeholder is bound to the actual id
    assert bindings == {"ID1": "abc"}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"2.Id": "other"}, "${ID1} was bound to 'abc'"),
        ({"2.StepFailedDetails.Error.Payload.ErrorType": "ValueError"}, "does not match"),
        ({"2.StepFailedDetails.RetryDetails.CurrentAttempt": 2}, "expected 1, got 2"),
        ({"1.StepStartedDetails": None}, "the field is missing"),
        ({"3.EventType": "ExecutionSucceeded"}, "expected 'InvocationCompleted'"),
        ({"2.SubType": None}, "SubType: expected 'Step', but the field is missing"),
    ],
)
def test_wrong_history_fails_with_first_mismatch(override, message):
    # GIVEN a history wrong in one place
    actual = actual_history(**override)
    # WHEN matched / THEN the mismatch names the place
    with pytest.raises(Mismatch, match=message.replace("$", r"\$").replace("{", r"\{").replace("}", r"\}")):
        match_history(EXPECTED, actual)


def test_missing_event_id_fails():
    # GIVEN a history one event short / WHEN matched / THEN it names the missing EventId
    with pytest.raises(Mismatch, match="EventId 4"):
        match_history(EXPECTED, actual_history()[:3])


def test_lists_compare_element_by_element_with_equal_length():
    # GIVEN lists of different lengths / THEN mismatch; same lists / THEN pass
    with pytest.raises(Mismatch):
        match_value([1, 2], [1, 2, 3], {}, "v")
    match_value([1, "*"], [1, {"any": "thing"}], {}, "v")


def test_regex_applies_to_numbers_as_their_decimal_text():
    # GIVEN a delay regex as in requirement 1-13 / THEN ints match by their text, out-of-range fails
    match_value("${/^[0-5]$/}", 3, {}, "v")
    with pytest.raises(Mismatch):
        match_value("${/^[0-5]$/}", 7, {}, "v")


def test_bool_is_not_an_int():
    # GIVEN expected True and actual 1 / THEN they differ (JSON true is not 1)
    with pytest.raises(Mismatch):
        match_value(True, 1, {}, "v")


def test_log_matching_counts_records_by_regex_and_equality():
    # GIVEN log records
    records = [{"message": "Greeting step started for: abc", "level": "INFO"}, {"message": "other", "level": "INFO"}]
    # WHEN counted / THEN regex and exact fields both apply
    assert match_logs({"message": "/started for: abc/"}, records) == 1
    assert match_logs({"message": "/./", "level": "INFO"}, records) == 2
    assert match_logs({"message": r"/\[ERROR\]/"}, records) == 0
