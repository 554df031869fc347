"""The official SDK's tagged wire format, plus ``pm`` (pydantic model) and ``dc`` (dataclass) tags.

Scalars and lists of scalars are plain JSON (``"fa"``, ``42``, ``[1,"a"]``), anything else a tagged
envelope (``{"t":"m","v":{"a":{"t":"i","v":1}}}``). A ``pm``/``dc`` envelope names its class
(``{"t":"pm","v":{"c":"module:QualName","d":{...}}}``) but is decoded only into a class the code
declared (:mod:`powertools_durable.serdes.allowed`): the name is a key, never an import.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from powertools_durable.exceptions import SerDesError
from powertools_durable.serdes.allowed import (
    NO_TYPES,
    AllowedTypes,
    declared_types,
    is_dataclass_class,
    is_pydantic_class,
    type_path,
    undeclared_type_error,
)
from powertools_durable.serdes.base import SerDes, SerDesContext

_COMPACT = (",", ":")
_WIDENED_CACHE_SIZE = 512  # annotated functions remembered per serdes instance


def _is_pydantic_model(value: Any) -> bool:
    return hasattr(type(value), "model_validate") and hasattr(value, "model_dump")


def encode(value: Any) -> Any:
    """Encode one value into its tagged JSON-ready form."""
    match value:
        case None:
            return {"t": "n", "v": None}
        case bool():
            return {"t": "b", "v": value}
        case str():
            return {"t": "s", "v": value}
        case int():
            return {"t": "i", "v": value}
        case float():
            return {"t": "f", "v": value}
        case dict():
            for key in value:
                if not isinstance(key, str):
                    raise SerDesError(f"dict keys must be str to be checkpointed, got {type(key).__name__}")
            return {"t": "m", "v": {k: encode(v) for k, v in value.items()}}
        case list():
            return {"t": "l", "v": [encode(v) for v in value]}
        case tuple():
            return {"t": "t", "v": [encode(v) for v in value]}
        case datetime():
            return {"t": "dt", "v": value.isoformat()}
        case date():
            return {"t": "D", "v": value.isoformat()}
        case Decimal():
            return {"t": "d", "v": str(value)}
        case uuid.UUID():
            return {"t": "u", "v": str(value)}
        case bytes() | bytearray() | memoryview():
            return {"t": "B", "v": base64.b64encode(bytes(value)).decode()}
    if getattr(type(value), "_BATCH_RESULT_TAG", False):  # a BatchResult, tagged as the official SDK tags it
        return {"t": "br", "v": value.tagged_fields(encode)}
    if _is_pydantic_model(value):
        return {"t": "pm", "v": {"c": type_path(type(value)), "d": value.model_dump(mode="json")}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"t": "dc", "v": {"c": type_path(type(value)), "d": fields}}
    raise SerDesError(f"cannot checkpoint a value of type {type(value).__module__}.{type(value).__qualname__}")


def _decode_datetime(v: Any) -> datetime:
    return datetime.fromisoformat(v[:-1] + "+00:00" if v.endswith("Z") else v)


_SCALARS: dict[str, Callable[[Any], Any]] = {
    "n": lambda v: None,
    "b": bool,
    "s": str,
    "i": int,
    "f": float,
    "dt": _decode_datetime,
    "D": date.fromisoformat,
    "d": Decimal,
    "u": uuid.UUID,
    "B": base64.b64decode,
}
TAGS = frozenset({*_SCALARS, "m", "l", "t", "pm", "dc", "br"})

# Tags whose value JSON already gives as the right type: ``int(v)`` of an ``int`` is ``v`` itself, so
# returning it unconverted is the same result at a fraction of a replay's per-value cost.
_AS_IS: dict[str, type] = {"s": str, "i": int, "b": bool, "f": float}


def decode(obj: Any, allowed: AllowedTypes = NO_TYPES) -> Any:
    """Decode a tagged form back into the value; untagged JSON passes through.

    ``pm``/``dc`` envelopes decode only into the classes of ``allowed`` (wire path -> class).
    """
    if isinstance(obj, dict) and "t" in obj and "v" in obj:
        tag, value = obj["t"], obj["v"]
        if tag == "m":  # the common case first: a step's dict result
            return {k: decode(x, allowed) for k, x in value.items()}
        if type(tag) is not str:
            raise SerDesError(f"malformed checkpoint payload: type tag {repr(tag)[:50]} is not a string")
        if type(value) is _AS_IS.get(tag):
            return value
        if tag in {"l", "t"}:
            if type(value) is not list:
                raise SerDesError(f"malformed checkpoint payload: tag {tag!r} needs a list")
            items = [decode(x, allowed) for x in value]
            return items if tag == "l" else tuple(items)
        if tag in {"pm", "dc"}:
            return _decode_class(tag, value, allowed)
        if tag == "br":
            return _decode_batch_result(value, allowed)
        decoder = _SCALARS.get(tag)
        if decoder is None:
            raise SerDesError(f"unknown type tag {tag[:50]!r} in checkpoint payload")
        return decoder(value)
    return obj


def _decode_class(tag: str, value: Any, allowed: AllowedTypes) -> Any:
    """A ``pm``/``dc`` envelope into the declared class of the same path; anything else is refused."""
    if type(value) is not dict or type(value.get("c")) is not str or "d" not in value:
        raise SerDesError(f'malformed {tag!r} envelope: it needs "c" (the class path) and "d" (the data)')
    path, data = value["c"], value["d"]
    cls = allowed.get(path)
    if cls is None:
        raise undeclared_type_error(path)
    if tag == "pm":
        if not is_pydantic_class(cls):
            raise SerDesError(f"the payload tags {path!r} as a pydantic model, but the declared class is not one")
        return cls.model_validate(data)  # type: ignore[attr-defined]
    if not is_dataclass_class(cls) or type(data) is not dict:
        raise SerDesError(f"the payload tags {path!r} as a dataclass, but the declared class is not one")
    return cls(**{k: decode(x, allowed) for k, x in data.items()})


def _decode_batch_result(value: Any, allowed: AllowedTypes) -> Any:
    """A ``br`` envelope (the official SDK's BatchResult tag): our BatchResult, a class we name ourselves."""
    from powertools_durable.concurrency.batch import BatchResult  # noqa: PLC0415 - only batches need it

    if type(value) is not dict:
        raise SerDesError("malformed BatchResult in checkpoint payload: expected a map")
    return BatchResult.from_dict({k: decode(x, allowed) for k, x in value.items()})


def is_envelope(obj: Any) -> bool:
    """A tagged envelope at the root of a payload (what :class:`ExtendedTypeSerDes` writes for non-scalars)."""
    return type(obj) is dict and "t" in obj and "v" in obj


_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def loads(data: str) -> Any:
    """``json.loads`` of a checkpoint payload, minus its wrapper's overhead (~40% of a small payload's).

    The scanner reads the compact text the SDKs write directly; anything else (surrounding
    whitespace, bytes, malformed text) goes through ``json.loads``, which accepts or raises as usual.
    """
    try:
        obj, end = _scan_once(data, 0)
    except (StopIteration, TypeError, ValueError):
        return json.loads(data)
    return obj if end == len(data) else json.loads(data)


# ``json.dumps(..., separators=...)`` builds a new encoder on every call; one shared encoder with
# the same settings writes the same text without that cost on every checkpointed step.
_compact_dumps = json.JSONEncoder(separators=_COMPACT).encode
# The JSON text of the scalars steps return most, written as the encoder writes them without the
# encoder's per-call setup (a third of a small step's serialization); keyed by exact type (no subclass).
SCALAR_WRITERS: dict[type, Callable[[Any], str]] = {
    int: int.__repr__,
    str: json.encoder.encode_basestring_ascii,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}


class ExtendedTypeSerDes(SerDes[Any]):
    """The default: wire-compatible with the official SDK, round-trips rich Python types.

    Parameters
    ----------
    allowed_types
        Pydantic models and dataclasses (or hints holding them, such as ``list[Order]``) that
        ``pm``/``dc`` payloads may be decoded into, with the classes their dataclass fields declare.
        A payload naming any other class raises :class:`SerDesError`; nothing is imported.

    Example
    -------
    >>> config = CallbackConfig(serdes=ExtendedTypeSerDes(allowed_types=[Order]))  # doctest: +SKIP
    """

    def __init__(self, allowed_types: Iterable[Any] = ()) -> None:
        allowed: dict[str, type] = {}
        for hint in allowed_types:
            found = declared_types(hint)
            if not found:
                raise TypeError(
                    f"allowed_types takes pydantic model and dataclass classes (or hints holding them), got {hint!r}"
                )
            allowed.update(found)
        self.allowed_types: AllowedTypes = allowed

    def with_types(self, types: AllowedTypes) -> ExtendedTypeSerDes:
        """This serdes, also decoding into ``types`` (those a step's return annotation declares).

        Remembered per ``types`` mapping (one per annotated function), so a replay of many steps
        does not copy the serdes each time; the entry keeps ``types`` alive, so its id stays its own.
        """
        if not types:
            return self
        cache: dict[int, tuple[AllowedTypes, ExtendedTypeSerDes]] = self.__dict__.setdefault("_widened", {})
        entry = cache.get(id(types))
        if entry is not None and entry[0] is types:
            return entry[1]
        widened = copy.copy(self)
        widened.__dict__.pop("_widened", None)
        widened.allowed_types = {**self.allowed_types, **types}
        if len(cache) >= _WIDENED_CACHE_SIZE:
            cache.clear()
        cache[id(types)] = (types, widened)
        return widened

    def serialize(self, value: Any, context: SerDesContext | None = None) -> str:
        write_scalar = SCALAR_WRITERS.get(type(value))
        if write_scalar is not None:
            return write_scalar(value)
        if SerDes.is_primitive(value):
            return _compact_dumps(value)
        if getattr(type(value), "_BATCH_RESULT_TAG", False):  # a map's result, written item by item
            return str(value.tagged_json(encode, _compact_dumps))
        return _compact_dumps(encode(value))

    def deserialize(self, data: str, context: SerDesContext | None = None) -> Any:
        try:
            obj = loads(data)
            if type(obj) is dict and "t" in obj and "v" in obj:  # the tagged envelope: most results
                return decode(obj, self.allowed_types)
        except SerDesError:
            raise
        except Exception as exc:  # malformed text or values: the payload's fault, said as such
            raise SerDesError(f"malformed checkpoint payload: {type(exc).__name__}: {str(exc)[:300]}") from exc
        if SerDes.is_primitive(obj):
            return obj
        raise SerDesError('malformed checkpoint payload: a tagged envelope needs "t" and "v" at its root')
