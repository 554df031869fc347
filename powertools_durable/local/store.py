"""Where the emulator keeps executions, their operations, their history and their invocations' logs.

A small :class:`Store` Protocol and its SQLite implementation (a file under
``.powertools-durable/`` by default, ``:memory:`` for tests). SQLite because it is in the
standard library, survives ``kill -9`` (WAL journal), and turns "a checkpoint is all or
nothing" into one transaction. Every change of an execution is one :class:`Commit`: the
execution's new record, the operations it touched and the events it appends, applied
together or not at all; a commit that expects a checkpoint token or an invocation that is no
longer current is refused with nothing written.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from powertools_durable.local.store_schema import (
    SCHEMA_VERSION,
    TABLES,
    DamagedExecutionError,
    DamagedStoreError,
    StoreError,
    create_schema,
    parse_body,
    repair_hint,
    schema_problems,
)
from powertools_durable.service.wire import WireDict

logger = logging.getLogger(__name__)

RUNNING = "RUNNING"  # the one status in which an execution is kept in memory
DEFAULT_STORE = Path(".powertools-durable") / "emulator.sqlite3"


class ConflictError(RuntimeError):
    """A commit expected a checkpoint token or invocation that is no longer current; nothing was written."""


@dataclass
class ExecutionRecord:
    """One durable execution as the service tracks it (operations and events are kept apart)."""

    arn: str
    function_name: str
    qualifier: str
    name: str
    input_payload: str
    start_ms: int
    execution_timeout: int  # seconds
    status: str = RUNNING
    end_ms: int | None = None
    result: str | None = None
    error: WireDict | None = None
    token: str | None = None  # the checkpoint token the next call must carry
    invocation_id: str | None = None  # request id of the invocation in flight
    invocation_start_ms: int | None = None
    invoke_at_ms: int | None = None  # wants an invocation once modelled time reaches this
    failures: int = 0  # consecutive failed invocations
    retention_days: int = 14
    parent_arn: str | None = None  # a chained invoke's child: the execution that invoked it
    parent_operation: str | None = None
    # Operations the service changed while the execution was suspended (a wait or retry delay over, a
    # callback answered, a chained invoke's outcome landed): the next invocation's UpdatedOperationIds.
    updated_ids: list[str] = field(default_factory=list)
    invocation_updated_ids: list[str] = field(default_factory=list)  # what the invocation in flight was told

    @property
    def timeout_at_ms(self) -> int:
        return self.start_ms + self.execution_timeout * 1000


def parse_record(text: str) -> ExecutionRecord:
    """An ``executions.record`` value; ValueError or TypeError when it is damaged."""
    return ExecutionRecord(**json.loads(text))


@dataclass
class Commit:
    """One atomic change of one execution."""

    record: ExecutionRecord
    operations: list[WireDict] = field(default_factory=list)
    events: list[WireDict] = field(default_factory=list)  # EventId is assigned by the store
    expect_token: str | None = None
    expect_invocation: str | None = None
    logs: tuple[str, str] | None = None  # (request id, captured output)
    creates: list[Commit] = field(default_factory=list)  # new executions (chained invokes' targets), same transaction


class Store(Protocol):
    """What the service needs from storage."""

    def create(self, commit: Commit) -> tuple[ExecutionRecord, bool]:
        """Insert a new execution, or return the existing one with the same function and name (False)."""
        ...

    def get(self, arn: str) -> ExecutionRecord | None: ...

    def executions(self, function_name: str | None = None, status: str | None = None) -> list[ExecutionRecord]:
        """Executions in start order, optionally of one function / in one status."""
        ...

    def operations(self, arn: str) -> list[WireDict]:
        """The execution's operations in the order they were first recorded."""
        ...

    def events(self, arn: str) -> list[WireDict]:
        """The execution's history, oldest first."""
        ...

    def commit(self, commit: Commit) -> list[WireDict]:
        """Apply ``commit`` in one transaction; return its events numbered. Raise :class:`ConflictError`."""
        ...

    def logs(self, arn: str) -> list[tuple[str, str]]:
        """``(request id, output)`` of each invocation, oldest first."""
        ...

    def delete(self, arn: str) -> None:
        """Forget an execution (its retention period is over)."""
        ...

    def latest_timestamp_ms(self) -> int:
        """The latest instant recorded anywhere (0 when empty)."""
        ...

    def close(self) -> None: ...


def _record_json(record: ExecutionRecord) -> str:
    return json.dumps(dataclasses.asdict(record), separators=(",", ":"))


class SQLiteStore:
    """:class:`Store` on one SQLite connection shared by the service's threads (serialised by a lock).

    The store is the only writer of its file, so it keeps a *running* execution's committed
    record and operations in memory after the first read (updated only once a transaction has
    committed): the hot path of a checkpoint then reads nothing from SQLite. An execution that
    ends (or is deleted) leaves memory and is read from SQLite on demand, so memory stays
    bounded by the executions in flight however many have run.
    """

    def __init__(self, path: str | Path = DEFAULT_STORE) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._records: dict[str, ExecutionRecord] = {}
        self._operations: dict[str, dict[str, WireDict]] = {}
        self.damaged: dict[str, str] = {}  # executions found damaged (and skipped), with what is wrong
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._open_schema()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise DamagedStoreError(
                f"the store {self.path} cannot be read as a SQLite database ({exc}): move the file aside "
                f"(mv {self.path} {self.path}.damaged) to start with an empty store"
            ) from None
        except StoreError:
            self._db.close()
            raise

    def _open_schema(self) -> None:
        with self._transaction() as db:
            names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not names.intersection(TABLES):
                create_schema(db)
                return
            problems = schema_problems(db)
            if problems:
                raise DamagedStoreError(
                    f"the store {self.path} is damaged ({'; '.join(problems)}): {repair_hint(self.path)}"
                )
            (version,) = db.execute("SELECT version FROM schema_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store {self.path} has schema version {version}, written by a newer powertools-durable "
                f"(this one reads up to {SCHEMA_VERSION}): upgrade powertools-durable or use another --store"
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _cached_record(self, arn: str) -> ExecutionRecord | None:
        record = self._records.get(arn)
        if record is None:
            rows = self._query("SELECT record FROM executions WHERE arn=?", (arn,))
            if not rows:
                return None
            record = self._parse_record(arn, rows[0][0])
            if record.status == RUNNING:
                self._records[arn] = record
        return record

    def _remember(self, commit: Commit) -> None:
        """Update the in-memory copies once the transaction has committed (an ended execution leaves memory)."""
        arn = commit.record.arn
        if commit.record.status != RUNNING:
            self._records.pop(arn, None)
            self._operations.pop(arn, None)
            return
        self._records[arn] = dataclasses.replace(commit.record)
        cached = self._operations.get(arn)
        if cached is not None:
            cached.update({op["Id"]: dict(op) for op in commit.operations})

    def create(self, commit: Commit) -> tuple[ExecutionRecord, bool]:
        record = commit.record
        with self._lock:
            with self._transaction() as db:
                row = db.execute(
                    "SELECT arn, record FROM executions WHERE function_name=? AND name=?",
                    (record.function_name, record.name),
                ).fetchone()
                if row:
                    return self._parse_record(row[0], row[1]), False
                self._insert(db, commit)
            self._remember_created(commit)
        return dataclasses.replace(record), True

    def _insert(self, db: sqlite3.Connection, commit: Commit) -> None:
        record = commit.record
        (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM executions").fetchone()
        db.execute(
            "INSERT INTO executions (arn, seq, function_name, name, status, record) VALUES (?,?,?,?,?,?)",
            (record.arn, seq, record.function_name, record.name, record.status, _record_json(record)),
        )
        self._apply(db, commit)

    def _remember_created(self, commit: Commit) -> None:
        self._remember(commit)
        if commit.record.status == RUNNING:
            self._operations[commit.record.arn] = {op["Id"]: dict(op) for op in commit.operations}

    def get(self, arn: str) -> ExecutionRecord | None:
        with self._lock:
            record = self._cached_record(arn)
            return dataclasses.replace(record) if record is not None else None

    def executions(self, function_name: str | None = None, status: str | None = None) -> list[ExecutionRecord]:
        """Executions in start order; a damaged one is reported (logged once, kept in :attr:`damaged`) and skipped."""
        sql, params = "SELECT arn, record FROM executions WHERE 1=1", list[str]()
        if function_name is not None:
            sql, params = sql + " AND function_name=?", [*params, function_name]
        if status is not None:
            sql, params = sql + " AND status=?", [*params, status]
        records = []
        for arn, text in self._query(sql + " ORDER BY seq", tuple(params)):
            try:
                records.append(self._parse_record(arn, text))
            except DamagedExecutionError:
                continue
        return records

    def _parse_record(self, arn: str, text: str) -> ExecutionRecord:
        try:
            return parse_record(text)
        except (ValueError, TypeError) as exc:
            raise self._damaged(arn, f"its executions row is not a valid record: {exc}") from None

    def _parse_bodies(self, arn: str, table: str, rows: list[Any]) -> list[WireDict]:
        bodies = []
        for key, text in rows:
            try:
                bodies.append(parse_body(text))
            except ValueError as exc:
                raise self._damaged(arn, f"its {table} row {key} is not valid JSON: {exc}") from None
        return bodies

    def _damaged(self, arn: str, problem: str) -> DamagedExecutionError:
        error = DamagedExecutionError(self.path, arn, problem)
        if arn not in self.damaged:
            self.damaged[arn] = problem
            logger.error("%s", error)
        return error

    def operations(self, arn: str) -> list[WireDict]:
        with self._lock:
            operations = self._operations.get(arn)
            if operations is None:
                rows = self._query("SELECT op_id, body FROM operations WHERE arn=? ORDER BY seq", (arn,))
                operations = {op["Id"]: op for op in self._parse_bodies(arn, "operations", rows)}
                record = self._cached_record(arn)
                if record is not None and record.status == RUNNING:
                    self._operations[arn] = operations
            return [dict(op) for op in operations.values()]

    def events(self, arn: str) -> list[WireDict]:
        rows = self._query("SELECT event_id, body FROM events WHERE arn=? ORDER BY event_id", (arn,))
        return self._parse_bodies(arn, "events", rows)

    def logs(self, arn: str) -> list[tuple[str, str]]:
        rows = self._query("SELECT request_id, logs FROM invocation_logs WHERE arn=? ORDER BY seq", (arn,))
        return [(row[0], row[1]) for row in rows]

    def delete(self, arn: str) -> None:
        with self._lock, self._transaction() as db:
            for table in ("executions", "operations", "events", "invocation_logs"):
                db.execute(f"DELETE FROM {table} WHERE arn=?", (arn,))  # fixed table names
            self._records.pop(arn, None)
            self._operations.pop(arn, None)

    def latest_timestamp_ms(self) -> int:
        rows = self._query("SELECT COALESCE(MAX(timestamp_ms), 0) FROM events")
        return int(rows[0][0])

    def commit(self, commit: Commit) -> list[WireDict]:
        record = commit.record
        with self._lock:
            stored = self._cached_record(record.arn)
            if stored is None:
                raise ConflictError(f"execution {record.arn} does not exist")
            if commit.expect_token is not None and commit.expect_token != stored.token:
                raise ConflictError("the checkpoint token is stale or was already used")
            if commit.expect_invocation is not None and commit.expect_invocation != stored.invocation_id:
                raise ConflictError(f"invocation {commit.expect_invocation} is no longer the current one")
            with self._transaction() as db:
                db.execute(
                    "UPDATE executions SET status=?, record=? WHERE arn=?",
                    (record.status, _record_json(record), record.arn),
                )
                numbered = self._apply(db, commit)
                for created in commit.creates:
                    self._insert(db, created)
            self._remember(commit)
            for created in commit.creates:
                self._remember_created(created)
        return numbered

    def _apply(self, db: sqlite3.Connection, commit: Commit) -> list[WireDict]:
        arn = commit.record.arn
        if commit.operations:
            (seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM operations WHERE arn=?", (arn,)).fetchone()
            db.executemany(
                "INSERT INTO operations (arn, op_id, seq, body) VALUES (?,?,?,?) "
                "ON CONFLICT (arn, op_id) DO UPDATE SET body=excluded.body",
                [(arn, op["Id"], seq + i, json.dumps(op)) for i, op in enumerate(commit.operations, start=1)],
            )
        numbered: list[WireDict] = []
        if commit.events:
            (last,) = db.execute("SELECT last_event_id FROM executions WHERE arn=?", (arn,)).fetchone()
            for offset, event in enumerate(commit.events, start=1):
                numbered.append({"EventId": last + offset, **{k: v for k, v in event.items() if k != "EventId"}})
            db.executemany(
                "INSERT INTO events (arn, event_id, timestamp_ms, body) VALUES (?,?,?,?)",
                [(arn, e["EventId"], int(e["EventTimestamp"]), json.dumps(e)) for e in numbered],
            )
            db.execute("UPDATE executions SET last_event_id=? WHERE arn=?", (last + len(numbered), arn))
        if commit.logs is not None:
            (seq,) = db.execute("SELECT COUNT(*) FROM invocation_logs WHERE arn=?", (arn,)).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO invocation_logs (arn, request_id, seq, logs) VALUES (?,?,?,?)",
                (arn, commit.logs[0], seq + 1, commit.logs[1]),
            )
        return numbered

    def memory_footprint(self) -> dict[str, int]:
        """How many executions this store holds in memory (bounded by those running)."""
        with self._lock:
            return {"records": len(self._records), "operations": len(self._operations)}

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._records.clear()
            self._operations.clear()
