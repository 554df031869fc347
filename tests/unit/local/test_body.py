"""Bounded JSON request bodies: every unreadable body is one BodyError naming the problem, never a crash."""

from __future__ import annotations

import json

import pytest

from powertools_durable.local.body import MAX_DEPTH, BodyError, depth_exceeds, parse_json


def _nested(depth: int, inner: bytes = b"1") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_refused() -> None:
    assert parse_json(_nested(MAX_DEPTH)) is not None
    with pytest.raises(BodyError, match=f"deeper than {MAX_DEPTH} levels"):
        parse_json(_nested(MAX_DEPTH + 1))


def test_a_hundred_thousand_levels_are_refused_without_recursion() -> None:
    # GIVEN a body Python's json would recurse into until RecursionError
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    # THEN the scan refuses it before parsing
    with pytest.raises(BodyError, match="deeper than"):
        parse_json(body)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    # GIVEN a shallow body whose strings hold many brackets and escaped quotes
    payload = json.dumps([[[i]] for i in range(500)])
    body = json.dumps({"Payload": payload, "Other": '\\"[[[[' * 100}).encode()
    # THEN it is read as it is
    assert parse_json(body)["Payload"] == payload
    assert not depth_exceeds(body, 2)
    assert depth_exceeds(_nested(3), 2)


def test_an_unterminated_string_with_escaped_quotes_is_a_parse_error() -> None:
    # GIVEN the shape that makes a naive string regex backtrack quadratically
    body = b'["' + b'\\"' * 200_000 + b"[" * 100
    with pytest.raises(BodyError, match="line 1"):
        parse_json(body)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[" + b"1" * 5000 + b"]", "digits"),
        (b"[NaN]", "NaN is not a JSON value"),
        (b'{"a": Infinity}', "Infinity is not a JSON value"),
        (b'["\xff\xfe"]', "not UTF-8"),
        (b'["\\ud800"]', "lone UTF-16 surrogate"),
        (b'{"\\udc00": 1}', "lone UTF-16 surrogate"),
        (b"{not json", "line 1 column 2"),
        (b"\xef\xbb\xbf{}", "BOM"),
    ],
)
def test_unreadable_bodies_name_the_problem(body: bytes, problem: str) -> None:
    with pytest.raises(BodyError) as exc:
        parse_json(body)
    assert problem in str(exc.value)
    assert "Traceback" not in str(exc.value)


def test_a_surrogate_pair_is_text_and_is_read() -> None:
    assert parse_json(b'["\\ud83d\\ude00"]') == ["\N{GRINNING FACE}"]
