"""Serialization of checkpointed values: round trips, the wire format, and failures."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import BaseModel

from powertools_durable import (
    ExtendedTypeSerDes,
    JsonSerDes,
    PassThroughSerDes,
    SerDes,
    SerDesContext,
    SerDesError,
)
from powertools_durable.serdes import deserialize, serialize

CONTEXT = SerDesContext("op-1", "arn:exec")


class Address(BaseModel):
    city: str
    zip_code: str


class Customer(BaseModel):
    name: str
    address: Address
    tags: list[str] = []


@dataclass
class Point:
    x: int
    y: float
    label: str | None = None


@dataclass
class Segment:
    start: Point
    end: Point


ROUND_TRIPS = {
    "str": "fa",
    "empty-str": "",
    "int": 42,
    "big-int": 2**70,
    "float": 2.5,
    "bool": True,
    "none": None,
    "list": [1, "a", None, 2.5],
    "nested-list": [[1, 2], [3]],
    "dict": {"a": 1, "b": [1, {"c": None}], "d": {"e": False}},
    "empty-dict": {},
    "tuple": (1, "x", (2.5, None)),
    "datetime-utc": datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    "datetime-offset": datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=-3))),
    "datetime-naive": datetime(2024, 5, 6, 7, 8, 9),
    "date": date(2024, 5, 6),
    "decimal": Decimal("1.10"),
    "decimal-exp": Decimal("1E+3"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "bytes": b"\x00\xffhi",
    "list-of-rich": [Decimal("1"), date(2020, 1, 1), b"x"],
    "pydantic": Customer(name="ann", address=Address(city="Oslo", zip_code="0150"), tags=["vip"]),
    "dataclass": Point(1, 2.5, "p"),
    "nested-dataclass": Segment(Point(0, 0.0), Point(3, 4.0, "end")),
    "dict-of-models": {"who": Address(city="Rome", zip_code="00100"), "when": date(2021, 2, 3)},
}


# Point is declared by Segment's field annotations
ALLOWING = ExtendedTypeSerDes(allowed_types=[Customer, Address, Segment])


@pytest.mark.parametrize("value", list(ROUND_TRIPS.values()), ids=list(ROUND_TRIPS))
def test_default_round_trip_keeps_value_and_type(value):
    # GIVEN a value / WHEN serialized and read back by the default serdes (models and dataclasses allowed)
    serdes = ALLOWING
    data = serdes.serialize(value, CONTEXT)
    back = serdes.deserialize(data, CONTEXT)

    # THEN the same value of the same type comes back, via a JSON string
    assert isinstance(data, str)
    json.loads(data)
    assert back == value
    assert type(back) is type(value)


def test_nested_types_survive_inside_containers():
    # GIVEN a dict holding a tuple, a Decimal and a model / WHEN round-tripped
    value = {"t": (1, 2), "d": Decimal("0.1"), "m": Address(city="x", zip_code="y")}
    back = ALLOWING.deserialize(ExtendedTypeSerDes().serialize(value))

    # THEN each inner value has its own type again
    assert type(back["t"]) is tuple
    assert type(back["d"]) is Decimal
    assert type(back["m"]) is Address


# Strings produced by the official SDK's ExtendedTypeSerDes (aws-durable-execution-sdk-python 3.0.0)
# for the same values; checked by running both.
OFFICIAL_WIRE = [
    ("fa", '"fa"'),
    (42, "42"),
    (2.5, "2.5"),
    (False, "false"),
    (None, "null"),
    ([1, "a"], '[1,"a"]'),
    ([[1, 2], [3]], "[[1,2],[3]]"),
    ([], "[]"),
    ("é☃", '"\\u00e9\\u2603"'),
    ({"a": 1}, '{"t":"m","v":{"a":{"t":"i","v":1}}}'),
    ({}, '{"t":"m","v":{}}'),
    (
        {"a": [1, {"b": None}], "c": True, "f": 1.5},
        '{"t":"m","v":{"a":{"t":"l","v":[{"t":"i","v":1},{"t":"m","v":{"b":{"t":"n","v":null}}}]},'
        '"c":{"t":"b","v":true},"f":{"t":"f","v":1.5}}}',
    ),
    ([{"a": 1}], '{"t":"l","v":[{"t":"m","v":{"a":{"t":"i","v":1}}}]}'),
    ({"t": "s", "v": "x"}, '{"t":"m","v":{"t":{"t":"s","v":"s"},"v":{"t":"s","v":"x"}}}'),
    ((1, "x"), '{"t":"t","v":[{"t":"i","v":1},{"t":"s","v":"x"}]}'),
    (datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), '{"t":"dt","v":"2024-05-06T07:08:09+00:00"}'),
    (datetime(2024, 1, 2, 3, 4, 5, 123456), '{"t":"dt","v":"2024-01-02T03:04:05.123456"}'),
    (date(2024, 5, 6), '{"t":"D","v":"2024-05-06"}'),
    (Decimal("1.10"), '{"t":"d","v":"1.10"}'),
    (uuid.UUID("12345678-1234-5678-1234-567812345678"), '{"t":"u","v":"12345678-1234-5678-1234-567812345678"}'),
    (b"\x00hi", '{"t":"B","v":"AGhp"}'),
    ([(1, 2)], '{"t":"l","v":[{"t":"t","v":[{"t":"i","v":1},{"t":"i","v":2}]}]}'),
]


@pytest.mark.parametrize(("value", "wire"), OFFICIAL_WIRE, ids=[w for _, w in OFFICIAL_WIRE])
def test_wire_format_equals_official_sdk(value, wire):
    # GIVEN a value with an official tag / WHEN serialized by the default serdes
    data = ExtendedTypeSerDes().serialize(value, CONTEXT)

    # THEN the string is byte-for-byte what the official SDK writes, and reads back to the value
    assert data == wire
    assert ExtendedTypeSerDes().deserialize(wire, CONTEXT) == value


@pytest.mark.parametrize("value", ["s", 1, 1.5, True, None, [1, "a", [None]]])
def test_scalars_and_lists_of_scalars_are_plain_json(value):
    # GIVEN a JSON scalar or a list of scalars / WHEN serialized / THEN it is plain JSON, no envelope
    assert json.loads(ExtendedTypeSerDes().serialize(value)) == value


def test_pydantic_and_dataclass_tags():
    # GIVEN a pydantic model and a dataclass / WHEN serialized
    model = json.loads(ExtendedTypeSerDes().serialize(Address(city="a", zip_code="b")))
    point = json.loads(ExtendedTypeSerDes().serialize(Point(1, 2.0)))

    # THEN they carry the project's own tags with the class path and the data
    assert model == {"t": "pm", "v": {"c": f"{__name__}:Address", "d": {"city": "a", "zip_code": "b"}}}
    assert point["t"] == "dc"
    assert point["v"]["c"] == f"{__name__}:Point"
    assert point["v"]["d"]["x"] == {"t": "i", "v": 1}


@pytest.mark.parametrize(
    ("value", "type_name"),
    [({1, 2}, "builtins.set"), (object(), "builtins.object"), (frozenset(), "builtins.frozenset")],
)
def test_unsupported_type_raises_naming_the_type(value, type_name):
    # GIVEN a value the default serdes cannot represent / WHEN serialized / THEN SerDesError names its type
    with pytest.raises(SerDesError, match=type_name):
        ExtendedTypeSerDes().serialize(value, CONTEXT)


def test_non_str_dict_keys_are_refused():
    # GIVEN a dict with int keys (which JSON would silently turn into strings)
    # WHEN serialized / THEN it is refused instead of coming back different
    with pytest.raises(SerDesError, match="dict keys must be str"):
        ExtendedTypeSerDes().serialize({1: "a"}, CONTEXT)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"a": 1}', "tagged envelope"),
        ('{"t":"zz","v":1}', "unknown type tag 'zz'"),
    ],
)
def test_malformed_payloads_raise_serdes_error(data, message):
    # GIVEN a payload that is not the tagged format / WHEN read / THEN SerDesError says why
    with pytest.raises(SerDesError, match=message):
        ExtendedTypeSerDes().deserialize(data, CONTEXT)


def test_module_helpers_wrap_foreign_errors_with_the_operation_id():
    # GIVEN a custom serdes that fails with a plain exception
    class Broken(SerDes[object]):
        def serialize(self, value, serdes_context):
            raise RuntimeError("disk full")

        def deserialize(self, data, serdes_context):
            raise KeyError("k")

    # WHEN used through the engine's helpers / THEN SerDesErrors name the operation and the cause
    with pytest.raises(SerDesError, match=r"cannot serialize result of operation op-1: RuntimeError: disk full"):
        serialize(Broken(), 1, CONTEXT)
    with pytest.raises(SerDesError, match=r"cannot deserialize result of operation op-1: KeyError"):
        deserialize(Broken(), "1", CONTEXT)


def test_module_helpers_default_to_extended_serdes():
    # GIVEN no serdes / WHEN a dict is serialized / THEN the default tagged format is used
    assert serialize(None, {"a": 1}, CONTEXT) == '{"t":"m","v":{"a":{"t":"i","v":1}}}'
    assert deserialize(None, '{"t":"m","v":{"a":{"t":"i","v":1}}}', CONTEXT) == {"a": 1}


def test_json_serdes_writes_plain_json():
    # GIVEN JsonSerDes / WHEN a dict round-trips / THEN the wire is plain JSON
    data = JsonSerDes().serialize({"a": [1, 2]}, CONTEXT)
    assert json.loads(data) == {"a": [1, 2]}
    assert JsonSerDes().deserialize(data, CONTEXT) == {"a": [1, 2]}


def test_pass_through_serdes_keeps_strings():
    # GIVEN an already-serialized payload / WHEN passed through / THEN unchanged both ways
    assert PassThroughSerDes().serialize('{"x":1}', CONTEXT) == '{"x":1}'
    assert PassThroughSerDes().deserialize("raw", CONTEXT) == "raw"


def test_is_primitive():
    # GIVEN values / THEN only JSON scalars and (nested) lists of them are primitive
    assert SerDes.is_primitive([1, ["a", None]])
    assert not SerDes.is_primitive([1, {"a": 1}])
    assert not SerDes.is_primitive((1,))
