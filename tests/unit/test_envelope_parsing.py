"""``parse_invocation``: the parts of a valid envelope, and the field named in each rejection."""

from __future__ import annotations

import pytest

from powertools_durable import InvalidEnvelopeError
from powertools_durable.service.envelope import check_operation, parse_invocation

EXECUTION = {"Id": "e", "Type": "EXECUTION", "Status": "STARTED"}


def _event(**state):
    return {"DurableExecutionArn": "arn:x", "CheckpointToken": "t1", "InitialExecutionState": state}


def test_valid_envelope_parts():
    # GIVEN a valid envelope with a step and a marker / WHEN parsed
    step = {"Id": "s", "Type": "STEP", "Status": "SUCCEEDED"}
    parsed = parse_invocation(_event(Operations=[EXECUTION, step], NextMarker="m2"))

    # THEN arn, token, operations and marker come out as they were
    assert parsed.durable_execution_arn == "arn:x"
    assert parsed.checkpoint_token == "t1"
    assert parsed.operations == [EXECUTION, step]
    assert parsed.next_marker == "m2"


def test_empty_marker_is_none():
    # GIVEN NextMarker "" / WHEN parsed / THEN there is no marker
    assert parse_invocation(_event(Operations=[EXECUTION], NextMarker="")).next_marker is None


def test_execution_operation_may_be_on_a_later_page():
    # GIVEN a first page without EXECUTION but with a NextMarker / WHEN parsed / THEN accepted
    parsed = parse_invocation(_event(Operations=[{"Id": "s", "Type": "STEP", "Status": "STARTED"}], NextMarker="1"))
    assert parsed.next_marker == "1"


def test_no_execution_operation_without_marker_is_rejected():
    # GIVEN no EXECUTION and no further pages / WHEN parsed / THEN rejected naming Operations
    with pytest.raises(InvalidEnvelopeError) as caught:
        parse_invocation(_event(Operations=[]))
    assert caught.value.field == "InitialExecutionState.Operations"
    assert "holds no EXECUTION operation" in str(caught.value)


@pytest.mark.parametrize(
    ("op", "field"),
    [
        (None, "where"),
        ({"Type": "STEP", "Status": "S"}, "where.Id"),
        ({"Id": "i", "Status": "S"}, "where.Type"),
        ({"Id": "i", "Type": "STEP"}, "where.Status"),
        ({"Id": "i", "Type": "STEP", "Status": 3}, "where.Status"),
    ],
)
def test_check_operation_names_the_field(op, field):
    # GIVEN an operation missing a required field / WHEN checked / THEN the error names where and which
    with pytest.raises(InvalidEnvelopeError) as caught:
        check_operation(op, "where")
    assert caught.value.field == field
    assert field in str(caught.value)


def test_invalid_envelope_is_an_execution_error():
    # GIVEN the error class / THEN it fails the execution rather than being retried as an invocation
    from powertools_durable import ExecutionError

    assert issubclass(InvalidEnvelopeError, ExecutionError)
