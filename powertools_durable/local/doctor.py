"""``powertools-durable local doctor``: find what is damaged in an emulator store, and quarantine it.

The check reads every row the emulator would read (records, operations, events) and the
schema (tables, schema version). ``--repair`` then, in one transaction: recreates missing
tables and indexes, writes a missing schema version, and moves every row of a damaged
execution (and rows that belong to no execution) into the ``quarantine`` table, where they stay
for inspection; the emulator then starts clean. Nothing is deleted.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from powertools_durable.local.store import parse_record
from powertools_durable.local.store_schema import create_schema, parse_body, schema_problems

QUARANTINE = """
CREATE TABLE IF NOT EXISTS quarantine (
    source TEXT NOT NULL, arn TEXT, row TEXT NOT NULL, problem TEXT NOT NULL, quarantined_ms INTEGER NOT NULL
)
"""
_ROW_TABLES = ("executions", "operations", "events", "invocation_logs")


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the store: the schema (``arn`` None) or one execution's rows."""

    problem: str
    arn: str | None = None

    def __str__(self) -> str:
        return f"execution {self.arn}: {self.problem}" if self.arn else self.problem


def check(path: str | Path) -> list[Finding]:
    """What is damaged in the store at ``path`` (empty: sound). Raises FileNotFoundError, sqlite3.DatabaseError."""
    with closing(_connect(path)) as db:
        return _findings(db)


def repair(path: str | Path) -> list[Finding]:
    """Repair the store at ``path`` (see the module docstring); return what was found (and dealt with)."""
    with closing(_connect(path)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            schema = [finding for finding in _findings(db) if finding.arn is None]
            create_schema(db, only_missing=True)
            db.execute(QUARANTINE)
            rows = [finding for finding in _findings(db) if finding.arn is not None]  # orphans show once tables exist
            now = int(time.time() * 1000)
            for finding in rows:
                _quarantine(db, finding, now)
            findings = schema + rows
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return findings


def _connect(path: str | Path) -> sqlite3.Connection:
    if not Path(path).is_file():
        raise FileNotFoundError(f"no store at {path}")
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("SELECT name FROM sqlite_master").fetchall()  # DatabaseError here: not a SQLite file at all
    return db


def _tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _findings(db: sqlite3.Connection) -> list[Finding]:
    findings = [Finding(problem) for problem in schema_problems(db)]
    present = _tables(db)
    damaged: dict[str, str] = {}
    known: set[str] = set()
    if "executions" in present:
        for arn, text in db.execute("SELECT arn, record FROM executions ORDER BY seq"):
            known.add(arn)
            try:
                parse_record(text)
            except (ValueError, TypeError) as exc:
                damaged.setdefault(arn, f"its executions row is not a valid record: {exc}")
    for table, key in (("operations", "op_id"), ("events", "event_id")):
        if table in present:
            for arn, row_key, text in db.execute(f"SELECT arn, {key}, body FROM {table}"):  # fixed names
                try:
                    parse_body(text)
                except ValueError as exc:
                    damaged.setdefault(arn, f"its {table} row {row_key} is not valid JSON: {exc}")
    if "executions" in present:
        for table in _ROW_TABLES[1:]:
            if table in present:
                for (arn,) in db.execute(f"SELECT DISTINCT arn FROM {table}"):  # fixed names
                    if arn not in known:
                        damaged.setdefault(arn, f"it has {table} rows but no executions row")
    return findings + [Finding(problem, arn) for arn, problem in damaged.items()]


def _quarantine(db: sqlite3.Connection, finding: Finding, now: int) -> None:
    """Move every row of ``finding.arn`` into the quarantine table (as JSON of the row's columns)."""
    present = _tables(db)
    for table in _ROW_TABLES:
        if table not in present:
            continue
        cursor = db.execute(f"SELECT * FROM {table} WHERE arn=?", (finding.arn,))  # fixed names
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        db.executemany(
            "INSERT INTO quarantine (source, arn, row, problem, quarantined_ms) VALUES (?,?,?,?,?)",
            [(table, finding.arn, _row_json(columns, row), finding.problem, now) for row in rows],
        )
        db.execute(f"DELETE FROM {table} WHERE arn=?", (finding.arn,))  # fixed names


def _row_json(columns: list[str], row: tuple[object, ...]) -> str:
    return json.dumps(dict(zip(columns, row, strict=True)), default=str)
