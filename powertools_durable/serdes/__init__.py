"""How values travel through checkpoints.

The default, :class:`ExtendedTypeSerDes`, writes the official SDK's wire format so an execution can
move between the two SDKs mid-flight: scalars and lists of scalars as plain JSON (``"fa"``, ``42``,
``[1,"a"]``), anything else as a tagged envelope (``{"t":"m","v":{"a":{"t":"i","v":1}}}``). On top
of the official tags it adds ``pm`` (pydantic model) and ``dc`` (dataclass), so those come back as
the same type on replay. :class:`JsonSerDes` writes plain JSON; :class:`TypedSerDes`,
:class:`PydanticSerDes` and :class:`DataclassSerDes` read and write one declared type.

Threat model: a payload is data, never a recipe. Callback answers and invoke results come from
outside the function (whoever holds a callback id, whatever the invoked function returns), and a
checkpoint is only as trusted as the service that stores it. So no serdes imports a module or calls
a class that a payload names: a ``pm``/``dc`` envelope is decoded only into a class the code
declared, looked up by its ``module:QualName`` in a mapping of class objects:

- a serdes built for the type: ``PydanticSerDes(Order)``, ``DataclassSerDes(Order)``,
  ``TypedSerDes(list[Order])``;
- the return annotation of a step or child-context function (``def f(step) -> Order``), with the
  default serdes;
- an allow-list: ``ExtendedTypeSerDes(allowed_types=[Order, Line])``.

A payload naming any other class raises :class:`SerDesError` that names it and these three ways.
The classes a dataclass's fields declare are declared with it; a pydantic model types its own
fields. What remains trusted is what the declared classes do with their data (``__post_init__``,
validators, a pydantic ``ImportString`` field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from powertools_durable.exceptions import RetryableSerDesError, SerDesError
from powertools_durable.serdes.allowed import NO_TYPES, AllowedTypes, declared_return_types
from powertools_durable.serdes.base import JsonSerDes, PassThroughSerDes, SerDes, SerDesContext
from powertools_durable.serdes.extended import SCALAR_WRITERS, ExtendedTypeSerDes, decode, encode
from powertools_durable.serdes.typed import DataclassSerDes, PydanticSerDes, TypedSerDes
from powertools_durable.service.wire import CHECKPOINT_SIZE_LIMIT

__all__ = [
    "DEFAULT_SERDES",
    "DataclassSerDes",
    "ExtendedTypeSerDes",
    "JsonSerDes",
    "PassThroughSerDes",
    "PydanticSerDes",
    "SerDes",
    "SerDesContext",
    "TypedSerDes",
    "declared_by",
    "declared_serdes",
    "decode",
    "deserialize",
    "encode",
    "ensure_checkpointable",
    "read_back",
    "serialize",
    "widened",
]

_DEFAULT = ExtendedTypeSerDes()
DEFAULT_SERDES: SerDes[Any] = _DEFAULT


def declared_serdes(serdes: SerDes[Any] | None, func: Callable[..., Any]) -> SerDes[Any] | None:
    """``serdes`` (``None``: the default) widened to the classes ``func``'s return annotation declares.

    Only the default format is widened; any other serdes decides its types itself.
    """
    if serdes is not None and not isinstance(serdes, ExtendedTypeSerDes):
        return serdes
    return widened(serdes, declared_return_types(func))


def widened(serdes: SerDes[Any] | None, types: AllowedTypes) -> SerDes[Any] | None:
    """``serdes`` (``None``: the default) also decoding into ``types``, if it is the default format."""
    if not types or (serdes is not None and not isinstance(serdes, ExtendedTypeSerDes)):
        return serdes
    return (serdes or _DEFAULT).with_types(types)


def declared_by(serdes: SerDes[Any] | None) -> AllowedTypes:
    """The classes ``serdes`` decodes into: a typed serdes' type, an allow-list (none for other serdes)."""
    if isinstance(serdes, ExtendedTypeSerDes | TypedSerDes):
        return serdes.allowed_types
    return NO_TYPES


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


def read_back(serdes: SerDes[Any] | None, value: Any, payload: str, context: SerDesContext) -> Any:
    """What a replay of ``payload`` (``value`` serialized) returns, so the first run returns the same.

    A JSON scalar written by the default format (an ``int``, ``str``, ``bool`` or ``None``, exact
    types) reads back equal and of the same type: ``value`` itself, without decoding the text again.
    """
    if value.__class__ in SCALAR_WRITERS and (serdes is None or serdes.__class__ is ExtendedTypeSerDes):
        return value
    return deserialize(serdes, payload, context)
