"""Hypothesis strategies for requests to the emulator that AWS would refuse, built from the service model.

Every request drawn carries at least one defect that makes it invalid (a member of the wrong type,
outside its enum, length or range; a body that is not JSON, nested too deep, with a 5,000-digit
number or a lone surrogate; a resource that does not exist), among random noise (other members,
unknown ones, random path segments). So a request may never succeed: the store must not change.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from powertools_durable.local.body import MAX_DEPTH, PAYLOAD_MAX_DEPTH
from powertools_durable.local.validation import operation, service_model

_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_TEXT = st.text(max_size=40) | st.text(_PRINTABLE, min_size=1, max_size=3000)
_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
_ANY_JSON = st.recursive(
    _JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


@dataclass
class Request:
    """One HTTP request, and the defect that makes it invalid (for the failure report)."""

    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    defect: str = ""

    def target(self) -> str:
        return f"{self.path}?{urllib.parse.urlencode(self.query)}" if self.query else self.path


@dataclass(frozen=True)
class World:
    """Real resources of the emulator under test, so requests reach past the 'not found' checks."""

    functions: tuple[str, ...]
    arns: tuple[str, ...]
    callback_ids: tuple[str, ...]  # well-formed ids of callbacks that do not exist


# -- invalid values of one shape -----------------------------------------------------------------


def invalid_text(shape: Any) -> st.SearchStrategy[str] | None:
    """Text (query string, header) that a member of ``shape`` refuses; ``None`` if any text is valid."""
    kind, meta = shape.type_name, shape.metadata
    if kind in ("integer", "long"):
        outside = [str(meta["max"] + 1)] if "max" in meta else []
        outside += [str(meta["min"] - 1)] if "min" in meta else []
        junk = st.sampled_from(["abc", "1.5", "\N{SUPERSCRIPT TWO}", "1_0", " 5", "9" * 5000, "", "0x10", *outside])
        return junk | st.text(max_size=10).filter(lambda t: not re.fullmatch(r"-?[0-9]+", t))
    if kind == "boolean":
        return st.text(max_size=10).filter(lambda t: t.lower() not in ("true", "false"))
    if kind == "timestamp":
        return st.sampled_from(["1e400", "-1e400", "nan", "inf", "not-a-date", "2026-13-45", "9" * 400, ""])
    if kind == "list":
        member = invalid_text(shape.member)
        return None if member is None else member
    if shape.enum:
        return _TEXT.filter(lambda t: t not in shape.enum)
    options = []
    if meta.get("min", 0) >= 1:
        options.append(st.just(""))
    if "max" in meta and meta["max"] <= 4096:
        options.append(st.integers(meta["max"] + 1, meta["max"] + 50).map(lambda n: "x" * n))
    return st.one_of(options) if options else None


def invalid_json(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A JSON value (never null: that means 'absent') that ``shape`` refuses."""
    kind, meta = shape.type_name, shape.metadata
    wrong_type: dict[str, st.SearchStrategy[Any]] = {
        "structure": st.integers() | st.text(max_size=5) | st.lists(st.integers(), max_size=2) | st.booleans(),
        "list": st.integers() | st.text(max_size=5) | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        "string": st.integers() | st.booleans() | st.floats() | st.lists(st.text(max_size=3), max_size=2),
        "integer": st.text(max_size=5) | st.floats() | st.booleans() | st.just(str(meta.get("min", 1))),
        "long": st.text(max_size=5) | st.floats() | st.booleans(),
        "boolean": st.integers(0, 1) | st.sampled_from(["true", "false"]),
    }
    options = [wrong_type.get(kind, st.just([]))]
    if kind == "structure" and depth < 4:
        members = sorted(shape.members)
        if members:
            options.append(
                st.sampled_from(members).flatmap(
                    lambda name: invalid_json(shape.members[name], depth + 1).map(lambda value: {name: value})
                )
            )
        if shape.required_members:
            options.append(st.just({}))
    if kind == "list" and depth < 4:
        options.append(invalid_json(shape.member, depth + 1).map(lambda item: [item]))
    if kind == "string" and shape.enum:
        options.append(st.text(max_size=20).filter(lambda t: t not in shape.enum))
    if kind == "string" and "max" in meta and meta["max"] <= 4096:
        options.append(st.just("x" * (meta["max"] + 1)))
    if kind == "string" and meta.get("min", 0) >= 1:
        options.append(st.just(""))
    if kind in ("integer", "long") and "max" in meta:
        options.append(st.sampled_from([meta["max"] + 1, meta.get("min", 0) - 1, 10**30]))
    return st.one_of(options)


def unreadable_json(max_depth: int) -> st.SearchStrategy[bytes]:
    """Bodies that are not JSON this service reads, whatever the operation."""
    return st.one_of(
        st.integers(max_depth + 1, 50_000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(max_depth + 1, 5_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
        st.integers(4301, 20_000).map(lambda n: b'{"Payload": ' + b"9" * n + b"}"),
        st.sampled_from([b'{"a": NaN}', b"[Infinity]", b'{"a": "\\ud800"}', b'{"\\udfff": 1}', b"\xef\xbb\xbf{}"]),
        st.binary(min_size=1, max_size=50).map(lambda b: b'{"a": "' + b + b'\xff"}'),
        st.dictionaries(st.text(max_size=5), _ANY_JSON, max_size=3).map(lambda d: json.dumps(d).encode()[:-1]),
    )


# -- whole requests --------------------------------------------------------------------------------


def _path_value(name: str, world: World) -> st.SearchStrategy[str]:
    real = {
        "FunctionName": world.functions,
        "DurableExecutionArn": world.arns,
        "CallbackId": world.callback_ids,
    }.get(name, ())
    return (st.sampled_from(real) if real else st.nothing()) | st.text(min_size=1, max_size=300)


@st.composite
def invalid_request(draw: st.DrawFn, method: str, template: str, name: str | None, world: World) -> Request:
    """A request to the route ``method template`` (of operation ``name``) with at least one defect."""
    path_values: dict[str, str] = {}
    for param in re.findall(r"{(\w+)(?::path)?}", template):
        path_values[param] = draw(_path_value(param, world))
    if name is None:  # the emulator's own routes: the defect is an execution that does not exist
        path_values = {
            p: draw(st.text(min_size=1, max_size=50).filter(lambda t: t not in world.arns)) for p in path_values
        }
    defects: list[st.SearchStrategy[tuple[str, str, Any]]] = []
    compiled = operation(name) if name else None
    if compiled is not None:
        for member in (*compiled.query, *compiled.headers):
            bad = invalid_text(member.shape)
            if bad is not None:
                where = "query" if member in compiled.query else "header"
                if where == "header":  # what HTTP can carry as it is (a header value loses outer blanks)
                    bad = bad.filter(lambda v: v.isascii() and v.isprintable() and v == v.strip())
                defects.append(bad.map(lambda value, m=member, w=where: (w, m.wire, value)))
        if compiled.body is not None and not compiled.raw_payload:
            shape = _body_shape(name or "")
            defects.append(invalid_json(shape).map(lambda value: ("body", "json", json.dumps(value).encode())))
            defects.append(unreadable_json(MAX_DEPTH).map(lambda raw: ("body", "raw", raw)))
        if name == "Invoke":
            defects.append(unreadable_json(PAYLOAD_MAX_DEPTH).map(lambda raw: ("body", "raw", raw)))
        if "CallbackId" in path_values:  # no callback exists in the world, and an over-long id is refused
            defects.append(st.just(("path", "CallbackId", "A" * 1025)))
            defects.append(st.just(("path", "CallbackId", path_values["CallbackId"])))
    if not defects:
        defects.append(st.just(("none", "", None)))
    where, key, value = draw(st.one_of(defects))
    request = Request(method, "", defect=f"{where} {key}={str(value)[:80]!r}")
    if where == "path":
        path_values[key] = value
    # noise: other members with random text, unknown members, random headers, a random body
    noise_keys = [m.wire for m in compiled.query] if compiled else []
    for noise_key in draw(st.lists(st.sampled_from([*noise_keys, "X", "Marker", "Bogus"]), max_size=3)):
        if (where, key) != ("query", noise_key):
            request.query.append((noise_key, draw(st.text(max_size=20))))
    if where == "query":
        request.query.append((key, value))
    request.headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain", "x/y"]))}
    if where == "header":
        request.headers[key] = value
    request.body = value if where == "body" else draw(st.binary(max_size=64) if method == "POST" else st.just(b""))
    quoted = {p: urllib.parse.quote(v, safe="") for p, v in path_values.items()}
    request.path = re.sub(r"{(\w+)(?::path)?}", lambda m: quoted[m.group(1)], template)
    return request


def _body_shape(name: str) -> Any:
    """The shape of an operation's JSON body: its structure payload, or its input shape."""
    shape = service_model().operation_model(name).input_shape
    payload = shape.serialization.get("payload")
    return shape.members[payload] if payload else shape
