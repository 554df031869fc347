"""How values travel through checkpoints.

The default, :class:`ExtendedTypeSerDes`, writes the official SDK's wire format so an
execution can move between the two SDKs mid-flight: scalars and lists of scalars as plain
JSON (``"fa"``, ``42``, ``[1,"a"]``), anything else as a tagged envelope
(``{"t":"m","v":{"a":{"t":"i","v":1}}}``). On top of the official tags it adds ``pm``
(pydantic model) and ``dc`` (dataclass), so those come back as the same type on replay.
:class:`JsonSerDes` writes plain JSON for those who want it.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from powertools_durable.exceptions import RetryableSerDesError, SerDesError
from powertools_durable.service.wire import CHECKPOINT_SIZE_LIMIT

T = TypeVar("T")

_COMPACT = (",", ":")


@dataclass(frozen=True)
class SerDesContext:
    """Where a value is being (de)serialized: which operation of which execution."""

    operation_id: str = ""
    durable_execution_arn: str = ""


class SerDes(ABC, Generic[T]):
    """Turns a value into the string stored in a checkpoint, and back."""

    @abstractmethod
    def serialize(self, value: T, serdes_context: SerDesContext) -> str: ...

    @abstractmethod
    def deserialize(self, data: str, serdes_context: SerDesContext) -> T: ...

    @staticmethod
    def is_primitive(obj: Any) -> bool:
        """True for JSON scalars and (nested) lists of them: the values written as plain JSON."""
        if obj is None or isinstance(obj, str | int | float | bool):
            return True
        if isinstance(obj, list):
            return all(SerDes.is_primitive(item) for item in obj)
        return False


class JsonSerDes(SerDes[T]):
    """Plain ``json.dumps`` / ``json.loads``."""

    def serialize(self, value: T, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> T:
        result: T = json.loads(data)
        return result


class PassThroughSerDes(SerDes[T]):
    """Keeps the string as it is (payloads that are already serialized)."""

    def serialize(self, value: T, serdes_context: SerDesContext) -> str:
        return value  # type: ignore[return-value]

    def deserialize(self, data: str, serdes_context: SerDesContext) -> T:
        return data  # type: ignore[return-value]


def _type_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _load_type(path: str) -> type:
    module_name, _, qualname = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise SerDesError(f"{path} does not name a class")
    return obj


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
        return {"t": "br", "v": encode(value.to_dict())["v"]}
    if _is_pydantic_model(value):
        return {"t": "pm", "v": {"c": _type_path(type(value)), "d": value.model_dump(mode="json")}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"t": "dc", "v": {"c": _type_path(type(value)), "d": fields}}
    raise SerDesError(f"cannot checkpoint a value of type {type(value).__module__}.{type(value).__qualname__}")


def _decode_datetime(v: Any) -> datetime:
    return datetime.fromisoformat(v[:-1] + "+00:00" if v.endswith("Z") else v)


def _decode_pydantic(v: Any) -> Any:
    return _load_type(v["c"]).model_validate(v["d"])  # type: ignore[attr-defined]


def _decode_dataclass(v: Any) -> Any:
    return _load_type(v["c"])(**{k: decode(x) for k, x in v["d"].items()})


def _decode_batch_result(v: Any) -> Any:
    from powertools_durable.concurrency.batch import BatchResult  # noqa: PLC0415 - only batches need it

    if not isinstance(v, dict):
        raise SerDesError("malformed BatchResult in checkpoint payload: expected a map")
    return BatchResult.from_dict({k: decode(x) for k, x in v.items()})


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "n": lambda v: None,
    "b": bool,
    "s": str,
    "i": int,
    "f": float,
    "m": lambda v: {k: decode(x) for k, x in v.items()},
    "l": lambda v: [decode(x) for x in v],
    "t": lambda v: tuple(decode(x) for x in v),
    "dt": _decode_datetime,
    "D": date.fromisoformat,
    "d": Decimal,
    "u": uuid.UUID,
    "B": base64.b64decode,
    "pm": _decode_pydantic,
    "dc": _decode_dataclass,
    "br": _decode_batch_result,
}


# Tags whose value JSON already gives as the right type: ``int(v)`` of an ``int`` is ``v`` itself, so
# returning it unconverted is the same result at a fraction of a replay's per-value cost.
_AS_IS: dict[str, type] = {"s": str, "i": int, "b": bool, "f": float}


def decode(obj: Any) -> Any:
    """Decode a tagged form back into the value; untagged JSON passes through."""
    if isinstance(obj, dict) and "t" in obj and "v" in obj:
        tag, value = obj["t"], obj["v"]
        if tag == "m":  # the common case first: a step's dict result
            return {k: decode(x) for k, x in value.items()}
        if type(value) is _AS_IS.get(tag):
            return value
        decoder = _DECODERS.get(tag)
        if decoder is None:
            raise SerDesError(f"unknown type tag {tag!r} in checkpoint payload")
        return decoder(value)
    return obj


_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(data: str) -> Any:
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


class ExtendedTypeSerDes(SerDes[Any]):
    """The default: wire-compatible with the official SDK, round-trips rich Python types."""

    def serialize(self, value: Any, serdes_context: SerDesContext | None = None) -> str:
        if SerDes.is_primitive(value):
            return _compact_dumps(value)
        return _compact_dumps(encode(value))

    def deserialize(self, data: str, serdes_context: SerDesContext | None = None) -> Any:
        obj = _loads(data)
        if type(obj) is dict and "t" in obj and "v" in obj:  # the tagged envelope: most results
            return decode(obj)
        if SerDes.is_primitive(obj):
            return obj
        if not (isinstance(obj, dict) and "t" in obj and "v" in obj):
            raise SerDesError('malformed checkpoint payload: a tagged envelope needs "t" and "v" at its root')
        return decode(obj)


DEFAULT_SERDES: SerDes[Any] = ExtendedTypeSerDes()


def ensure_checkpointable(payload: str, context: SerDesContext, limit: int = CHECKPOINT_SIZE_LIMIT) -> str:
    """Return ``payload`` if it fits in one checkpoint, else raise a :class:`SerDesError` saying by how much.

    The service rejects an operation payload over 256 KiB; failing here, before the checkpoint,
    gives the step a clear error instead of a failed invocation.
    """
    size = len(payload) if payload.isascii() else len(payload.encode())
    if size > limit:
        raise SerDesError(
            f"the result of operation {context.operation_id} is {size} bytes serialized; a checkpoint payload "
            f"holds at most {limit} bytes. Return a smaller value, or store it elsewhere (e.g. S3) and return a key"
        )
    return payload


def serialize(serdes: SerDes[Any] | None, value: Any, context: SerDesContext) -> str:
    """Serialize with ``serdes`` (or the default), turning any failure into a :class:`SerDesError`."""
    try:
        return (serdes or DEFAULT_SERDES).serialize(value, context)
    except (SerDesError, RetryableSerDesError):
        raise  # already classified: a retryable one fails the invocation
    except Exception as exc:
        raise SerDesError(
            f"cannot serialize result of operation {context.operation_id}: {type(exc).__name__}: {exc}"
        ) from exc


def deserialize(serdes: SerDes[Any] | None, data: str, context: SerDesContext) -> Any:
    """Deserialize with ``serdes`` (or the default), turning any failure into a :class:`SerDesError`."""
    try:
        return (serdes or DEFAULT_SERDES).deserialize(data, context)
    except (SerDesError, RetryableSerDesError):
        raise  # already classified: a retryable one fails the invocation
    except Exception as exc:
        raise SerDesError(
            f"cannot deserialize result of operation {context.operation_id}: {type(exc).__name__}: {exc}"
        ) from exc
