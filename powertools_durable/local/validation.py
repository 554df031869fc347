"""Requests read and checked against botocore's ``lambda`` service model, the way AWS checks them.

An operation's input shape says, per member, where it travels (path, query string, header,
JSON body, or the raw body as a blob payload), its type and its constraints (``required``,
``enum``, ``min``/``max`` length or value). :func:`operation` compiles that once per operation
into a tree of small check functions (cached), so every route is checked alike and the hot path,
CheckpointDurableExecution, pays a few microseconds per update. A failure names the member by
its path (``Updates[0].WaitOptions.WaitSeconds``) and the problem, and becomes an
``InvalidParameterValueException``, which every operation of the model declares.

Not checked: ``pattern`` (the emulator's own checkpoint tokens and callback ids are URL-safe
base64, outside AWS's alphabet; the service checks what matters: ids, names, markers, tokens)
and unknown members (ignored, as AWS's JSON protocols do).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from powertools_durable.local.body import BodyError, parse_json
from powertools_durable.local.errors import InvalidParameterValueError, InvalidRequestContentError, ServiceError

Check = Callable[[Any], Any]
"""Checks one decoded value and returns it in the form the routes use; raises :class:`Invalid`."""

_INTEGER = re.compile(r"-?[0-9]{1,19}")
_DIGITS = re.compile(r"-?[0-9]+")
_EPOCH = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
_FIRST_SECOND, _LAST_SECOND = -62_135_596_800, 253_402_300_800  # datetime's range: years 1 to 9999


class Invalid(Exception):
    """A member failed its shape: ``path`` is filled in on the way out of the nested checks."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str | int] = []

    def message(self) -> str:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in reversed(self.path)).lstrip(".")
        return f"{path}: {self.problem}" if path else self.problem


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number"}


def _kind(value: Any) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), "a number")


# -- checks of decoded (JSON) values, one per shape type ---------------------------------------


def _bounds(shape: Any) -> tuple[int, int]:
    return shape.metadata.get("min", 0), shape.metadata.get("max", sys.maxsize)


def _out_of_bounds(shape: Any, size: int, unit: str) -> Invalid:
    low, high = _bounds(shape)
    if size < low:
        return Invalid(f"must be at least {low} {unit} long, got {size}")
    return Invalid(f"must be at most {high} {unit} long, got {size}")


def _string(shape: Any) -> Check:
    enum = frozenset(shape.enum or ())
    allowed = ", ".join(shape.enum or ())
    low, high = _bounds(shape)

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise Invalid(f"must be a string, got {_kind(value)}")
        if enum and value not in enum:
            raise Invalid(f"must be one of {allowed}; got {_show(value)}")
        if not low <= len(value) <= high:
            raise _out_of_bounds(shape, len(value), "characters")
        return value

    return check


def _integer(shape: Any) -> Check:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(f"must be an integer, got {_kind(value)} {_show(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise Invalid(f"must be between {low} and {high}, got {value}")
        return value

    return check


def _number(shape: Any) -> Check:
    def check(value: Any) -> Any:
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise Invalid(f"must be a finite number, got {_kind(value)} {_show(value)}")
        return value

    return check


def _boolean(shape: Any) -> Check:
    def check(value: Any) -> Any:
        if not isinstance(value, bool):
            raise Invalid(f"must be true or false, got {_kind(value)} {_show(value)}")
        return value

    return check


def _blob(shape: Any) -> Check:
    low, high = _bounds(shape)

    def check(value: Any) -> Any:
        if not isinstance(value, bytes | str):
            raise Invalid(f"must be a blob, got {_kind(value)}")
        if not low <= len(value) <= high:
            raise _out_of_bounds(shape, len(value), "bytes")
        return value

    return check


def _timestamp(shape: Any) -> Check:
    def check(value: Any) -> Any:
        if isinstance(value, str):
            return _parse_timestamp(value)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise Invalid(f"must be a timestamp, got {_kind(value)}")
        return _parse_timestamp(str(value))

    return check


def _structure(shape: Any) -> Check:
    members = {name: compile_shape(member) for name, member in shape.members.items()}
    required = tuple(shape.required_members)

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid(f"must be an object, got {_kind(value)}")
        for name in required:
            if value.get(name) is None:
                raise Invalid(f"{name} is required")
        for name, item in value.items():  # the members sent, not every member the shape has
            member = members.get(name)
            if member is not None and item is not None:
                try:
                    member(item)
                except Invalid as exc:
                    exc.path.append(name)
                    raise
        return value

    return check


def _list(shape: Any) -> Check:
    member = compile_shape(shape.member)
    low, high = _bounds(shape)

    def check(value: Any) -> Any:
        if not isinstance(value, list):
            raise Invalid(f"must be an array, got {_kind(value)}")
        if not low <= len(value) <= high:
            raise _out_of_bounds(shape, len(value), "items")
        for index, item in enumerate(value):
            try:
                member(item)
            except Invalid as exc:
                exc.path.append(index)
                raise
        return value

    return check


def _map(shape: Any) -> Check:
    key, item = compile_shape(shape.key), compile_shape(shape.value)
    low, high = _bounds(shape)

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid(f"must be an object, got {_kind(value)}")
        if not low <= len(value) <= high:
            raise _out_of_bounds(shape, len(value), "entries")
        for name, entry in value.items():
            try:
                key(name)
                item(entry)
            except Invalid as exc:
                exc.path.append(str(name))
                raise
        return value

    return check


_CHECKS: dict[str, Callable[[Any], Check]] = {
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
    "blob": _blob,
    "timestamp": _timestamp,
    "structure": _structure,
    "list": _list,
    "map": _map,
}


def compile_shape(shape: Any) -> Check:
    """The check of one botocore shape (recursive shapes are not in the Lambda model's inputs)."""
    return _CHECKS[shape.type_name](shape)


# -- members that travel as text: path, query string, headers ----------------------------------


def _parse_timestamp(text: str) -> int:
    """ISO 8601 (as botocore sends a query timestamp; UTC unless it says) or epoch seconds, in epoch ms."""
    try:
        seconds = float(text) if _EPOCH.fullmatch(text) else None
        if seconds is None:
            parsed = datetime.fromisoformat(text)
            seconds = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError):
        raise Invalid(f"must be an ISO 8601 timestamp or epoch seconds, got {_show(text)}") from None
    if not math.isfinite(seconds) or not _FIRST_SECOND <= seconds < _LAST_SECOND:
        raise Invalid(f"must be a timestamp between the years 1 and 9999, got {_show(text)}")
    return int(seconds * 1000)


def _from_text(shape: Any, text: str) -> Any:
    """A text value in the type its shape says (query string, header and path values are text)."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        if not _INTEGER.fullmatch(text):
            if _DIGITS.fullmatch(text):
                raise Invalid(f"must be between {shape.metadata.get('min')} and {shape.metadata.get('max')}")
            raise Invalid(f"must be an integer, got {_show(text)}")
        return int(text)
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise Invalid(f"must be true or false, got {_show(text)}")
        return text.lower() == "true"
    return text  # strings, and timestamps (their check parses them)


@dataclass(frozen=True)
class TextMember:
    """A member sent as text (``location`` uri, querystring or header) under ``wire`` name."""

    name: str
    wire: str
    shape: Any
    check: Check

    def read(self, values: Sequence[str]) -> Any:
        try:
            if self.shape.type_name == "list":
                return self.check([_from_text(self.shape.member, v) for v in values])
            return self.check(_from_text(self.shape, values[-1]))
        except Invalid as exc:
            exc.path.append(self.name)
            raise


@dataclass(frozen=True)
class Operation:
    """One operation's input, compiled: read a request's parts into the input's members, checked."""

    name: str
    uri: tuple[TextMember, ...]
    query: tuple[TextMember, ...]
    headers: tuple[TextMember, ...]
    required: tuple[str, ...]
    body: Check | None  # the JSON body: the non-located members, or a structure payload
    payload: str | None  # the member the body is (a blob or structure payload)
    raw_payload: bool  # a blob payload: the body's bytes are the member
    bad_body: type[ServiceError]

    def read(
        self,
        path: Mapping[str, str],
        query: Callable[[str], Sequence[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        """The operation's input members (absent ones left out); :class:`ServiceError` when one is invalid."""
        params: dict[str, Any] = {}
        try:
            for member, values in [
                *((m, [path[m.wire]] if m.wire in path else []) for m in self.uri),
                *((m, query(m.wire)) for m in self.query),
                *((m, [headers[m.wire]] if m.wire in headers else []) for m in self.headers),
            ]:
                if values:
                    params[member.name] = member.read(values)
            self._read_body(body, params)
            for name in self.required:
                if params.get(name) is None:
                    raise Invalid(f"{name} is required")
        except Invalid as exc:
            raise InvalidParameterValueError(exc.message()) from None
        return params

    def _read_body(self, body: bytes, params: dict[str, Any]) -> None:
        if self.body is None:
            return
        if self.raw_payload:
            assert self.payload is not None
            try:
                params[self.payload] = self.body(body)
            except Invalid as exc:
                exc.path.append(self.payload)
                raise
            return
        try:
            value = parse_json(body) if body.strip() else None
        except BodyError as exc:
            raise self.bad_body(f"Could not parse request body into json: {exc}") from None
        if self.payload is not None:
            if value is not None:
                try:
                    params[self.payload] = self.body(value)
                except Invalid as exc:
                    exc.path.append(self.payload)
                    raise
            return
        params.update(self.body(value if value is not None else {}))


@cache
def service_model() -> Any:
    import botocore.session  # noqa: PLC0415 - the emulator only; ~50 ms, once

    return botocore.session.get_session().get_service_model("lambda")


@cache
def operation(name: str) -> Operation:
    """The compiled input of the ``lambda`` operation ``name`` (compiled once)."""
    model = service_model().operation_model(name)
    shape = model.input_shape
    payload = shape.serialization.get("payload")
    by_location: dict[str | None, list[TextMember]] = {}
    body_members = {}
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        if location is None:
            body_members[member_name] = member
            continue
        wire = member.serialization.get("name", member_name)
        by_location.setdefault(location, []).append(TextMember(member_name, wire, member, compile_shape(member)))
    body: Check | None = None
    if payload is not None:
        body = compile_shape(shape.members[payload])
    elif body_members:
        body = _body_check(shape, body_members)
    declared = {error.name for error in model.error_shapes}
    return Operation(
        name=name,
        uri=tuple(by_location.get("uri", ())),
        query=tuple(by_location.get("querystring", ())),
        headers=tuple(by_location.get("header", ())),
        required=tuple(shape.required_members),
        body=body,
        payload=payload,
        raw_payload=payload is not None and shape.members[payload].type_name == "blob",
        bad_body=InvalidRequestContentError
        if InvalidRequestContentError.code in declared
        else InvalidParameterValueError,
    )


def _body_check(shape: Any, members: Mapping[str, Any]) -> Check:
    """The JSON body: an object of the members without a location (required ones checked after)."""
    checks = [(name, compile_shape(member)) for name, member in members.items()]

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid(f"the request body must be a JSON object, got {_kind(value)}")
        present = {}
        for name, member in checks:
            item = value.get(name)
            if item is not None:
                try:
                    present[name] = member(item)
                except Invalid as exc:
                    exc.path.append(name)
                    raise
        return present

    return check
