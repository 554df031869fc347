"""Comparing what happened with what a requirement expects, by the rules of AWS's validator.

Expected events pair with actual events by ``EventId`` (actual events nobody names are
ignored). For each expected field: ``{}`` means the key is present, content unchecked;
``'*'`` accepts any value; ``${ID1}``-style placeholders bind at first sight and must be
equal everywhere after; ``${/regex/}`` must match; anything else must be equal. Dicts are
compared on the expected keys only, lists element by element with equal length.
"""

from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_REGEX = re.compile(r"^\$\{/(.*)/\}$", re.S)
_MISSING = object()


class Mismatch(AssertionError):
    """The first difference found, with the path to it."""


def match_value(expected: Any, actual: Any, bindings: dict[str, Any], path: str) -> None:
    """Raise :class:`Mismatch` at the first place ``actual`` does not satisfy ``expected``."""
    if actual is _MISSING:
        raise Mismatch(f"{path}: expected {expected!r}, but the field is missing")
    if isinstance(expected, str):
        if expected == "*":
            return
        if (placeholder := _PLACEHOLDER.match(expected)) is not None:
            name = placeholder.group(1)
            if name not in bindings:
                bindings[name] = actual
            elif bindings[name] != actual:
                raise Mismatch(f"{path}: ${{{name}}} was bound to {bindings[name]!r}, here it is {actual!r}")
            return
        if (regex := _REGEX.match(expected)) is not None:
            text = str(actual) if isinstance(actual, int | float) and not isinstance(actual, bool) else actual
            if not isinstance(text, str) or re.search(regex.group(1), text) is None:
                raise Mismatch(f"{path}: {actual!r} does not match /{regex.group(1)}/")
            return
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            raise Mismatch(f"{path}: expected an object, got {actual!r}")
        for key, value in expected.items():
            match_value(value, actual.get(key, _MISSING), bindings, f"{path}.{key}")
        return
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            raise Mismatch(f"{path}: expected a list of {len(expected)}, got {actual!r}")
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            match_value(want, got, bindings, f"{path}[{index}]")
        return
    if expected != actual or (type(expected) is bool and type(actual) is not bool):
        raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")


def match_history(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> dict[str, Any]:
    """Check every expected event against the actual event with its ``EventId``; return the bindings."""
    by_id = {event.get("EventId"): event for event in actual}
    bindings: dict[str, Any] = {}
    for index, want in enumerate(expected):
        event_id = want.get("EventId")
        got = by_id.get(event_id)
        label = f"history[{index}] (EventId {event_id}, {want.get('EventType')})"
        if got is None:
            types = [f"{e.get('EventId')}:{e.get('EventType')}" for e in actual]
            raise Mismatch(f"{label}: no actual event with this EventId; actual events are {types}")
        match_value(want, got, bindings, label)
    return bindings


def match_logs(pattern: dict[str, str], records: list[dict[str, Any]]) -> int:
    """How many log records have every field of ``pattern`` matching (``/regex/`` or equal)."""

    def field_matches(want: str, got: Any) -> bool:
        if got is None:
            return False
        if len(want) >= 2 and want.startswith("/") and want.endswith("/"):
            return re.search(want[1:-1], str(got)) is not None
        return str(got) == want

    return sum(1 for record in records if all(field_matches(w, record.get(k)) for k, w in pattern.items()))
