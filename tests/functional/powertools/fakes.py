"""Test doubles for the Powertools utilities: a tracing provider and an idempotency store, no AWS."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment
from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord


@dataclass
class FakeSegment(BaseSegment):
    """A subsegment that remembers what was put on it."""

    name: str
    annotations: dict[str, Any] = field(default_factory=dict)
    metadata: dict[tuple[str, str], Any] = field(default_factory=dict)

    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: Any) -> None:
        self.annotations[key] = value

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self.metadata[(namespace, key)] = value

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        pass


class FakeTracerProvider(BaseProvider):
    """A tracing provider that records the subsegments opened through it."""

    def __init__(self) -> None:
        self.subsegments: list[FakeSegment] = []

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[FakeSegment]:
        segment = FakeSegment(name or "")
        self.subsegments.append(segment)
        yield segment

    @asynccontextmanager
    async def in_subsegment_async(self, name: str | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        segment = FakeSegment(name or "")
        self.subsegments.append(segment)
        yield segment

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Any) -> None:
        pass

    def patch_all(self) -> None:
        pass

    def named(self, name: str) -> list[FakeSegment]:
        return [s for s in self.subsegments if s.name == name]


class InMemoryPersistenceLayer(BasePersistenceLayer):
    """Powertools idempotency records in a dict, with DynamoDB's conditional-put rules."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        try:
            return copy.copy(self.records[idempotency_key])
        except KeyError:
            raise IdempotencyItemNotFoundError from None

    def _put_record(self, data_record: DataRecord) -> None:
        existing = self.records.get(data_record.idempotency_key)
        now = datetime.datetime.now()
        if existing is not None:
            expired = existing.expiry_timestamp is not None and existing.expiry_timestamp < int(now.timestamp())
            in_progress_expired = (
                existing.status == "INPROGRESS"
                and existing.in_progress_expiry_timestamp is not None
                and existing.in_progress_expiry_timestamp < int(now.timestamp() * 1000)
            )
            if not (expired or in_progress_expired):
                raise IdempotencyItemAlreadyExistsError(old_data_record=copy.copy(existing))
        self.records[data_record.idempotency_key] = copy.copy(data_record)

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = copy.copy(data_record)

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)
