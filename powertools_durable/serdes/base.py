"""The serdes contract (the official SDK's names and signatures) and the two plain serdes."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


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
    """Plain ``json.dumps`` / ``json.loads``: reads only JSON data (dicts, lists, scalars)."""

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
