"""Scalars: the default format writes them as ``json.dumps`` does, and a first run returns what a replay decodes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from powertools_durable.serdes import ExtendedTypeSerDes, JsonSerDes, SerDesContext, read_back

CONTEXT = SerDesContext("op-1", "arn:aws:lambda:us-east-1:123456789012:function:f")
SCALARS = st.one_of(st.integers(), st.text(), st.booleans(), st.none())


@given(SCALARS)
def test_a_scalar_is_written_as_json_dumps_writes_it(value: Any) -> None:
    assert ExtendedTypeSerDes().serialize(value, CONTEXT) == json.dumps(value, separators=(",", ":"))


@given(SCALARS)
def test_a_scalar_read_back_is_what_a_replay_decodes(value: Any) -> None:
    serdes = ExtendedTypeSerDes()
    payload = serdes.serialize(value, CONTEXT)
    replayed = serdes.deserialize(payload, CONTEXT)
    for used in (None, serdes):
        returned = read_back(used, value, payload, CONTEXT)
        assert returned == replayed
        assert type(returned) is type(replayed)


def test_an_int_subclass_is_not_written_as_a_plain_int() -> None:
    class Flag(int):
        def __repr__(self) -> str:
            return "Flag()"

    assert ExtendedTypeSerDes().serialize(Flag(3), CONTEXT) == "3"


def test_other_values_and_other_serdes_are_decoded_again() -> None:
    class Upper(JsonSerDes[Any]):
        def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
            return str(json.loads(data)).upper()

    assert read_back(Upper(), "abc", '"abc"', CONTEXT) == "ABC"

    class Narrow(ExtendedTypeSerDes):  # a subclass may decode differently: not short-cut either
        def deserialize(self, data: str, context: SerDesContext | None = None) -> Any:
            return "narrowed"

    assert read_back(Narrow(), 1, "1", CONTEXT) == "narrowed"
    value = {"a": [1, 2.5]}
    payload = ExtendedTypeSerDes().serialize(value, CONTEXT)
    returned = read_back(None, value, payload, CONTEXT)
    assert returned == value
    assert returned is not value
