"""Serdes built for one declared type: the code names the class, the payload only brings data.

They write plain JSON (what an invoked function, an external system or a person expects) with
pydantic's ``TypeAdapter``, and read plain JSON or the default serdes' envelope, so a checkpoint
written by :class:`ExtendedTypeSerDes` reads back after a step moves to a typed serdes. pydantic is
imported on first use, not at import.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Generic, TypeVar

from powertools_durable.exceptions import SerDesError
from powertools_durable.serdes.allowed import declared_types, is_dataclass_class, is_pydantic_class
from powertools_durable.serdes.base import SerDes, SerDesContext
from powertools_durable.serdes.extended import TAGS, decode, is_envelope

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

T = TypeVar("T")
M = TypeVar("M", bound="BaseModel")


class TypedSerDes(SerDes[T]):
    """Values of one declared type (``Order``, ``list[Order]``, ``Order | None`` …), as plain JSON.

    ``None`` is written and read as ``null`` whatever the type ("no value", as a step or a
    wait_for_callback submitter may return).

    Parameters
    ----------
    type_
        Any type pydantic's ``TypeAdapter`` validates. Envelopes read back decode only into the
        models and dataclasses it declares.

    Example
    -------
    >>> config = InvokeConfig(serdes_result=TypedSerDes(list[Order]))  # doctest: +SKIP
    """

    def __init__(self, type_: type[T]) -> None:
        self.type = type_
        self.allowed_types = declared_types(type_)
        self._adapter: TypeAdapter[T] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self.type, '__qualname__', self.type)!s})"

    def adapter(self) -> TypeAdapter[T]:
        if self._adapter is None:
            from pydantic import TypeAdapter  # noqa: PLC0415 - kept off the import path

            self._adapter = TypeAdapter(self.type)
        return self._adapter

    def serialize(self, value: T, serdes_context: SerDesContext) -> str:
        if value is None:  # "no value" (e.g. a wait_for_callback submitter's result), whatever the type
            return "null"
        adapter = self.adapter()
        try:
            return adapter.dump_json(adapter.validate_python(value)).decode()
        except Exception as exc:
            raise SerDesError(
                f"{self!r} cannot serialize a {type(value).__qualname__}: {type(exc).__name__}: {str(exc)[:300]}"
            ) from exc

    def deserialize(self, data: str, serdes_context: SerDesContext) -> T:
        try:
            obj = json.loads(data)
            if obj is None:
                return None  # type: ignore[return-value]  # written for None: "no value"
            if is_envelope(obj) and obj["t"] in TAGS:  # written by ExtendedTypeSerDes
                obj = decode(obj, self.allowed_types)
            return self.adapter().validate_python(obj)
        except SerDesError:
            raise
        except Exception as exc:
            raise SerDesError(f"{self!r} cannot read the payload: {type(exc).__name__}: {str(exc)[:300]}") from exc


class PydanticSerDes(TypedSerDes[M]):
    """One pydantic model class: ``PydanticSerDes(Order)``."""

    def __init__(self, model: type[M]) -> None:
        if not is_pydantic_class(model):
            raise TypeError(f"PydanticSerDes takes a pydantic model class, got {model!r}")
        super().__init__(model)


class DataclassSerDes(TypedSerDes[T], Generic[T]):
    """One dataclass: ``DataclassSerDes(Order)``; nested dataclass fields are typed by its annotations."""

    def __init__(self, cls: type[T]) -> None:
        if not is_dataclass_class(cls):
            raise TypeError(f"DataclassSerDes takes a dataclass class, got {cls!r}")
        super().__init__(cls)
