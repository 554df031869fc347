"""Request bodies read as bounded JSON: every way a body can be unreadable is one clear error.

Python's ``json`` recurses once per nesting level, so a body of 100,000 ``[`` raised
``RecursionError`` deep in the parser; numbers of thousands of digits raised ``ValueError`` from
``int``; ``\\ud800`` escapes decoded into strings that cannot be written back as UTF-8 (the
response, SQLite). :func:`parse_json` checks the nesting depth *before* parsing, with a scan
that never recurses (strings stripped by one regular expression, then the brackets counted),
decodes strictly as UTF-8, rejects ``NaN``/``Infinity``, and turns each failure into a
:class:`BodyError` whose message names the problem; the caller maps it to the error code its
operation declares.
"""

from __future__ import annotations

import json
import re
import sys
from array import array
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of a request body of the API. The deepest wire shape (an ``Updates[]`` item's
``Error.StackTrace[]``) nests 5 levels; 64 leaves room for any service addition and is far below
where Python's parser (about 1,000) or the code that walks a decoded body could fail."""

PAYLOAD_MAX_DEPTH = 512
"""Deepest nesting of an Invoke payload: user data handed to the function as JSON text, which the
function's own ``json.loads`` reads (it fails near 1,000 levels)."""

# A JSON string (possessive, so it never backtracks; an unterminated one runs to the end).
_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class BodyError(ValueError):
    """The body is not JSON this service can read; ``str(exc)`` says why."""


def depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays/objects deeper than ``limit``, found without recursion."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # the common case: too few brackets to be deep, no scan at all
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    return max(accumulate(array("b", brackets.translate(_STEP))), default=0) > limit


def parse_json(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``body`` decoded as JSON, or :class:`BodyError`; never ``RecursionError`` or Python's own error text.

    Rejects what JSON does not allow but Python's parser reads (``NaN``, ``Infinity``), text that is
    not UTF-8, nesting deeper than ``max_depth``, integers too long for ``int`` and escaped lone
    UTF-16 surrogates (``"\\ud800"``), which no UTF-8 writer can write back.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"the body is not UTF-8 text (invalid byte at position {exc.start})") from None
    if depth_exceeds(body, max_depth):
        raise BodyError(f"the body nests arrays or objects deeper than {max_depth} levels")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except BodyError:
        raise
    except json.JSONDecodeError as exc:
        raise BodyError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError:  # the one other ValueError of json.loads(str): int() refusing a huge number
        raise BodyError(f"the body holds a number of more than {sys.get_int_max_str_digits()} digits") from None
    except RecursionError:  # a safety net behind the depth check
        raise BodyError("the body nests arrays or objects too deeply") from None
    if _SURROGATE_ESCAPE.search(body) and not _encodable(value):
        raise BodyError("the body holds a lone UTF-16 surrogate escape (e.g. \\ud800), which is not text")
    return value


def _reject_constant(name: str) -> Any:
    raise BodyError(f"{name} is not a JSON value")


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
