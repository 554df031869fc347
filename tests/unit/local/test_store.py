"""The SQLite store: atomic commits, stale tokens, idempotent creation, schema versioning."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from powertools_durable.local.store import Commit, ConflictError, ExecutionRecord, SQLiteStore, StoreError


def _record(name: str = "run-1", token: str | None = "t1") -> ExecutionRecord:
    return ExecutionRecord(
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/{name}/id-{name}",
        function_name="f",
        qualifier="$LATEST",
        name=name,
        input_payload="{}",
        start_ms=1_000,
        execution_timeout=60,
        token=token,
    )


def _event(kind: str, at: int = 1_000) -> dict[str, object]:
    return {"EventType": kind, "EventTimestamp": at}


def test_commit_writes_record_operations_and_numbered_events() -> None:
    # GIVEN a store with one execution
    store = SQLiteStore(":memory:")
    record, created = store.create(
        Commit(_record(), [{"Id": "id-run-1", "Type": "EXECUTION"}], [_event("ExecutionStarted")])
    )
    assert created
    # WHEN a commit adds an operation and two events
    record.token = "t2"
    numbered = store.commit(
        Commit(
            record, [{"Id": "s1", "Type": "STEP"}], [_event("StepStarted"), _event("StepSucceeded")], expect_token="t1"
        )
    )
    # THEN the events continue the numbering, and everything is readable back
    assert [e["EventId"] for e in numbered] == [2, 3]
    assert [e["EventType"] for e in store.events(record.arn)] == ["ExecutionStarted", "StepStarted", "StepSucceeded"]
    assert [op["Id"] for op in store.operations(record.arn)] == ["id-run-1", "s1"]
    stored = store.get(record.arn)
    assert stored is not None
    assert stored.token == "t2"


def test_stale_token_writes_nothing() -> None:
    # GIVEN an execution whose current token is t1
    store = SQLiteStore(":memory:")
    record, _ = store.create(Commit(_record(), [], [_event("ExecutionStarted")]))
    before = (store.get(record.arn), store.operations(record.arn), store.events(record.arn))
    # WHEN a commit expects another token
    record.token = "t3"
    with pytest.raises(ConflictError):
        store.commit(Commit(record, [{"Id": "s1", "Type": "STEP"}], [_event("StepStarted")], expect_token="t0"))
    # THEN nothing changed
    assert (store.get(record.arn), store.operations(record.arn), store.events(record.arn)) == before


def test_create_is_idempotent_on_function_and_name() -> None:
    store = SQLiteStore(":memory:")
    first, created = store.create(Commit(_record("same"), [], [_event("ExecutionStarted")]))
    again = _record("same")
    again.arn += "-other"
    second, created_again = store.create(Commit(again, [], [_event("ExecutionStarted")]))
    assert created
    assert not created_again
    assert second.arn == first.arn
    assert len(store.executions("f")) == 1


def test_file_store_uses_wal_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "store.sqlite3"
    store = SQLiteStore(path)
    record, _ = store.create(Commit(_record(), [], [_event("ExecutionStarted", 5_000)]))
    store.close()
    reopened = SQLiteStore(path)
    assert reopened.get(record.arn) == record
    assert reopened.latest_timestamp_ms() == 5_000
    assert reopened.executions(status="RUNNING") == [record]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        SQLiteStore(path)


def test_delete_forgets_everything_of_an_execution() -> None:
    store = SQLiteStore(":memory:")
    record, _ = store.create(Commit(_record(), [{"Id": "op", "Type": "EXECUTION"}], [_event("ExecutionStarted")]))
    other, _ = store.create(Commit(_record("run-2"), [], [_event("ExecutionStarted")]))
    store.delete(record.arn)
    assert store.get(record.arn) is None
    assert store.operations(record.arn) == []
    assert store.events(record.arn) == []
    assert store.get(other.arn) == other
