"""A run's operations by name: status, decoded result, error, attempts, children (and AWS's testing names)."""

from __future__ import annotations

import pytest

from powertools_durable.local.results import ExecutionResult, decode, operations

OPERATIONS = [
    {"Id": "1", "Type": "CONTEXT", "Name": "order", "Status": "SUCCEEDED", "ContextDetails": {"Result": '{"a": 1}'}},
    {
        "Id": "2",
        "Type": "STEP",
        "Name": "charge",
        "ParentId": "1",
        "Status": "SUCCEEDED",
        "StepDetails": {"Attempt": 2, "Result": '{"t": "m", "v": {"paid": true}}'},
    },
    {
        "Id": "3",
        "Type": "STEP",
        "Name": "refund",
        "ParentId": "1",
        "Status": "FAILED",
        "StepDetails": {"Attempt": 3, "Error": {"ErrorType": "ValueError", "ErrorMessage": "no"}},
    },
    {
        "Id": "4",
        "Type": "CALLBACK",
        "Name": "approval",
        "Status": "SUCCEEDED",
        "CallbackDetails": {"CallbackId": "cb-1", "Result": "approved"},
    },
    {"Id": "5", "Type": "WAIT", "Name": "pause", "Status": "SUCCEEDED"},
]


@pytest.fixture
def run() -> ExecutionResult:
    return ExecutionResult("arn", "SUCCEEDED", operations=operations(OPERATIONS))


def test_operations_by_name_with_what_they_hold(run: ExecutionResult) -> None:
    charge, refund = run.operation("charge"), run.operation("refund")
    assert (charge.type, charge.status, charge.result, charge.attempts) == ("STEP", "SUCCEEDED", {"paid": True}, 3)
    assert (refund.status, refund.attempts, refund.error) == (
        "FAILED",
        3,
        {"ErrorType": "ValueError", "ErrorMessage": "no"},
    )
    assert run.operation("approval").result == "approved"  # not JSON: the text as sent
    assert run.operation("approval").callback_id == "cb-1"
    assert run.operation("pause").attempts == 0


def test_children_and_the_names_of_aws_testing_library(run: ExecutionResult) -> None:
    order = run.get_context("order")
    assert [child.name for child in order.child_operations] == ["charge", "refund"]
    assert order.get_operation_by_name("refund") is run.get_step("refund")
    assert order.result == {"a": 1}
    assert run.get_callback("approval").status == run.get_wait("pause").status == "SUCCEEDED"


def test_an_unknown_name_lists_the_known_ones(run: ExecutionResult) -> None:
    with pytest.raises(KeyError, match="no operation named 'chrage' in execution arn; named ones: approval, charge"):
        run.operation("chrage")


def test_decode_keeps_text_that_is_not_json() -> None:
    assert decode(None) is None
    assert decode('"quoted"') == "quoted"
    assert decode("plain") == "plain"
