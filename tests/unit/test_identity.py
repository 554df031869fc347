"""Deterministic operation ids and the identity check of replay."""

from __future__ import annotations

import hashlib

import pytest

from powertools_durable import NonDeterministicExecutionError
from powertools_durable.replay.identity import check_identity, operation_id


def test_top_level_id_is_blake2b_of_the_position():
    # GIVEN the first top-level operation / WHEN its id is derived / THEN it is blake2b("1"), 64 hex chars
    expected = hashlib.blake2b(b"1").hexdigest()[:64]
    assert operation_id(None, 1) == expected
    assert expected == "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97"
    assert len(operation_id(None, 1)) == 64


def test_child_id_is_blake2b_of_parent_dash_position():
    # GIVEN the second operation of the child context "abc" / WHEN derived / THEN blake2b("abc-2")
    assert operation_id("abc", 2) == hashlib.blake2b(b"abc-2").hexdigest()[:64]
    assert operation_id("abc", 2) != operation_id(None, 2)


def test_ids_differ_by_position_and_are_stable():
    # GIVEN positions 1..50 / WHEN derived twice / THEN all distinct and identical across calls
    first = [operation_id(None, n) for n in range(1, 51)]
    operation_id.cache_clear()
    assert [operation_id(None, n) for n in range(1, 51)] == first
    assert len(set(first)) == 50


def test_empty_prefix_is_top_level():
    # GIVEN an empty parent / THEN the id is the top-level one (no "-" prefix)
    assert operation_id("", 3) == hashlib.blake2b(b"3").hexdigest()[:64]


RECORDED = {"Id": "x", "Type": "STEP", "SubType": "Step", "Name": "charge", "Status": "SUCCEEDED"}


def test_matching_identity_passes():
    # GIVEN a recorded step "charge" / WHEN checked against the same request / THEN no error
    check_identity(RECORDED, "x", "STEP", "Step", "charge", None)


@pytest.mark.parametrize(
    ("op_type", "sub_type", "name", "parent", "fragments"),
    [
        ("WAIT", "Wait", "charge", None, ["type: recorded 'STEP', code asks for 'WAIT'", "subtype: recorded 'Step'"]),
        ("STEP", "Step", "refund", None, ["name: recorded 'charge', code asks for 'refund'"]),
        ("STEP", "Step", None, None, ["name: recorded 'charge', code asks for None"]),
        ("STEP", "Step", "charge", "p1", ["parent: recorded None, code asks for 'p1'"]),
    ],
)
def test_mismatch_names_id_recorded_and_requested(op_type, sub_type, name, parent, fragments):
    # GIVEN a recorded step / WHEN the code asks for something else at its id
    with pytest.raises(NonDeterministicExecutionError) as caught:
        check_identity(RECORDED, "x", op_type, sub_type, name, parent)

    # THEN the error carries the id and names every differing field
    assert caught.value.step_id == "x"
    message = str(caught.value)
    assert "operation x" in message
    for fragment in fragments:
        assert fragment in message


def test_empty_recorded_name_equals_no_name():
    # GIVEN a record with Name "" / WHEN the code asks for an unnamed step / THEN it matches
    check_identity({**RECORDED, "Name": ""}, "x", "STEP", "Step", None, None)
