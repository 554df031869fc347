"""Request checks and response shapes shared by the service's operations.

Pydantic errors become one line naming each field; stored operations (epoch-ms timestamps)
become the API's shape (epoch seconds, as botocore's rest-json parser reads them); markers
and ``MaxItems`` are checked as Lambda checks them.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from powertools_durable.local.errors import InvalidParameterValueError
from powertools_durable.service.wire import WireDict

_MARKER = re.compile(r"[0-9]{1,15}")
_OP_TIMESTAMPS = ("StartTimestamp", "EndTimestamp", "ScheduledEndTimestamp", "NextAttemptTimestamp")


def validation_message(exc: ValidationError, prefix: str = "") -> str:
    """A pydantic error as one line naming each field, e.g. ``Updates[0].Action: Input should be …``."""
    parts = []
    for error in exc.errors():
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
        parts.append(f"{prefix}{path}: {error['msg']}")
    return "; ".join(parts)


def wire_operation(op: WireDict, *, ms: bool = False) -> WireDict:
    """An operation as the API returns it: timestamps in epoch seconds (botocore's rest-json), or kept in
    epoch ms (``ms``, the invocation event); the service's private ``_`` keys left out."""
    out: WireDict = {}
    for key, value in op.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            out[key] = wire_operation(value, ms=ms)
        elif key in _OP_TIMESTAMPS and isinstance(value, int | float) and not ms:
            out[key] = value / 1000
        else:
            out[key] = value
    return out


def parse_marker(marker: str | None) -> str | None:
    """A ``Marker`` this service returned (a position: ASCII digits, far fewer than ``int`` refuses)."""
    if marker and not _MARKER.fullmatch(marker):
        shown = marker if len(marker) <= 40 else f"{marker[:37]}..."
        raise InvalidParameterValueError(f"Marker {shown!r} is not a marker this service returned")
    return marker or None


def limit(max_items: int | None, default: int) -> int:
    if max_items is None or max_items == 0:
        return default
    if not 1 <= max_items <= 1000:
        raise InvalidParameterValueError(f"MaxItems must be between 0 and 1000, got {max_items}")
    return max_items
