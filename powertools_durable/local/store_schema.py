"""The store's SQLite schema, and how a damaged store is recognised and named.

Shared by :class:`~powertools_durable.local.store.SQLiteStore` (which refuses a damaged schema
and skips a damaged execution, naming the file and the fix) and ``powertools-durable local
doctor`` (which finds and quarantines what is damaged).
"""

from __future__ import annotations

import json
import sqlite3

from powertools_durable.service.wire import WireDict

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE executions (
    arn TEXT PRIMARY KEY, seq INTEGER NOT NULL, function_name TEXT NOT NULL, name TEXT NOT NULL,
    status TEXT NOT NULL, record TEXT NOT NULL, last_event_id INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX executions_by_name ON executions (function_name, name);
CREATE INDEX executions_by_seq ON executions (seq);
CREATE INDEX executions_by_status ON executions (status);
CREATE TABLE operations (
    arn TEXT NOT NULL, op_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (arn, op_id)
);
CREATE TABLE events (
    arn TEXT NOT NULL, event_id INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (arn, event_id)
);
CREATE TABLE invocation_logs (
    arn TEXT NOT NULL, request_id TEXT NOT NULL, seq INTEGER NOT NULL, logs TEXT NOT NULL,
    PRIMARY KEY (arn, request_id)
);
"""


TABLES = ("executions", "operations", "events", "invocation_logs", "schema_version")


class StoreError(RuntimeError):
    """The store cannot be used (e.g. written by a newer version)."""


def repair_hint(path: str) -> str:
    """What to do about a damaged store, in one sentence that names the file."""
    return (
        f"run `powertools-durable local doctor --store {path} --repair` to quarantine what is damaged, "
        f"or move the file aside (mv {path} {path}.damaged) to start with an empty store"
    )


class DamagedStoreError(StoreError):
    """The store's schema is damaged (a table or its version missing, not SQLite at all): nothing is served."""


class DamagedExecutionError(StoreError):
    """One execution's rows cannot be read; the rest of the store keeps working."""

    def __init__(self, path: str, arn: str, problem: str) -> None:
        super().__init__(f"execution {arn} in the store {path} is damaged ({problem}): {repair_hint(path)}")
        self.arn = arn
        self.problem = problem


def schema_problems(db: sqlite3.Connection) -> list[str]:
    """What is wrong with the store's schema (nothing for a sound one)."""
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    problems = [f"table {table} is missing" for table in TABLES if table not in names]
    if "schema_version" in names:
        rows = db.execute("SELECT version FROM schema_version").fetchall()
        if len(rows) != 1 or not isinstance(rows[0][0], int):
            problems.append(f"table schema_version holds {len(rows)} row(s) instead of one version number")
    return problems


def create_schema(db: sqlite3.Connection, *, only_missing: bool = False) -> None:
    """Create the tables and indexes (``only_missing``: those that do not exist, e.g. dropped ones)."""
    for statement in filter(str.strip, SCHEMA.split(";")):
        db.execute(
            statement.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS").replace("INDEX", "INDEX IF NOT EXISTS")
            if only_missing
            else statement
        )
    db.execute(f"CREATE TABLE {'IF NOT EXISTS ' if only_missing else ''}schema_version (version INTEGER NOT NULL)")
    if not db.execute("SELECT 1 FROM schema_version").fetchone():
        db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))


def parse_body(text: str) -> WireDict:
    """An ``operations.body`` / ``events.body`` value; ValueError when it is damaged."""
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError(f"a JSON object was expected, not {type(body).__name__}")
    return body
