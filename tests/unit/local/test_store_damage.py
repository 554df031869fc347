"""A damaged store: named clearly (file, execution, fix), the rest keeps working, and ``local doctor`` repairs it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from powertools_durable.local import doctor
from powertools_durable.local.cli import main
from powertools_durable.local.store import Commit, SQLiteStore
from powertools_durable.local.store_schema import DamagedExecutionError, DamagedStoreError
from tests.unit.local.test_store import _record

Damage = Callable[[sqlite3.Connection, str], None]


def _store(path: Path, names: tuple[str, ...] = ("good", "bad", "also-good")) -> dict[str, str]:
    store = SQLiteStore(path)
    arns = {}
    for name in names:
        record, _ = store.create(
            Commit(
                _record(name),
                [{"Id": f"id-{name}", "Type": "EXECUTION"}],
                [{"EventType": "ExecutionStarted", "EventTimestamp": 1_000}],
            )
        )
        arns[name] = record.arn
    store.close()
    return arns


def _damage(path: Path, sql: str, *params: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, params)
    db.close()


ROW_DAMAGE = {
    "record": "UPDATE executions SET record='{not json' WHERE arn=?",
    "record-shape": "UPDATE executions SET record='{\"arn\": 1}' WHERE arn=?",
    "operation": "UPDATE operations SET body='[[[' WHERE arn=?",
    "event": "UPDATE events SET body='nope' WHERE arn=?",
}


@pytest.mark.parametrize("kind", sorted(ROW_DAMAGE))
def test_a_damaged_execution_is_named_and_the_others_keep_working(tmp_path: Path, kind: str) -> None:
    # GIVEN a store with three executions, one of them with a damaged row
    path = tmp_path / "store.sqlite3"
    arns = _store(path)
    _damage(path, ROW_DAMAGE[kind], arns["bad"])
    # WHEN the emulator's store opens it and reads
    store = SQLiteStore(path)
    listed = [r.arn for r in store.executions()]
    # THEN the others list and read, and the damaged one is reported with the file, the execution and the fix
    assert arns["good"] in listed
    assert arns["also-good"] in listed
    assert store.events(arns["good"])[0]["EventType"] == "ExecutionStarted"
    read = {"record": store.get, "record-shape": store.get, "operation": store.operations, "event": store.events}
    with pytest.raises(DamagedExecutionError) as exc:
        read[kind](arns["bad"])
    message = str(exc.value)
    assert str(path) in message
    assert arns["bad"] in message
    assert f"powertools-durable local doctor --store {path} --repair" in message
    assert f"mv {path} {path}.damaged" in message
    assert store.damaged.keys() == {arns["bad"]}
    store.close()


SCHEMA_DAMAGE = {
    "dropped events table": ("DROP TABLE events", "table events is missing"),
    "dropped executions table": ("DROP TABLE executions", "table executions is missing"),
    "missing schema row": ("DELETE FROM schema_version", "schema_version holds 0 row(s)"),
}


@pytest.mark.parametrize("kind", sorted(SCHEMA_DAMAGE))
def test_a_damaged_schema_is_refused_naming_the_file_and_the_fix(tmp_path: Path, kind: str) -> None:
    # GIVEN a store whose schema is damaged
    path = tmp_path / "store.sqlite3"
    _store(path)
    sql, problem = SCHEMA_DAMAGE[kind]
    _damage(path, sql)
    # WHEN the emulator opens it THEN it is refused with what is wrong, the file and the fix
    with pytest.raises(DamagedStoreError) as exc:
        SQLiteStore(path)
    assert problem in str(exc.value)
    assert f"powertools-durable local doctor --store {path} --repair" in str(exc.value)


def test_a_file_that_is_not_sqlite_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DamagedStoreError) as exc:
        SQLiteStore(path)
    assert str(path) in str(exc.value)
    assert f"mv {path} {path}.damaged" in str(exc.value)


@pytest.mark.parametrize("kind", [*sorted(ROW_DAMAGE), *sorted(SCHEMA_DAMAGE)])
def test_doctor_finds_and_repairs_each_kind_of_damage(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a damaged store
    path = tmp_path / "store.sqlite3"
    arns = _store(path)
    if kind in ROW_DAMAGE:
        _damage(path, ROW_DAMAGE[kind], arns["bad"])
    else:
        _damage(path, SCHEMA_DAMAGE[kind][0])
    # WHEN doctor checks it THEN it names the damage and the repair command, and fails
    assert main(["local", "doctor", "--store", str(path)]) == 1
    out = capsys.readouterr().out
    assert "problem(s)" in out
    assert f"--store {path} --repair" in out
    # WHEN doctor repairs it
    assert main(["local", "doctor", "--store", str(path), "--repair"]) == 0
    assert "repaired" in capsys.readouterr().out
    # THEN the store is sound and opens; a damaged execution's rows wait in the quarantine table
    assert doctor.check(path) == []
    store = SQLiteStore(path)
    if kind in ROW_DAMAGE:
        assert store.get(arns["bad"]) is None
        assert {r.arn for r in store.executions()} == {arns["good"], arns["also-good"]}
        with sqlite3.connect(path) as db:
            quarantined = db.execute("SELECT DISTINCT arn FROM quarantine").fetchall()
        db.close()
        assert quarantined == [(arns["bad"],)]
    store.create(Commit(_record("after-repair")))
    assert store.get(_record("after-repair").arn) is not None
    store.close()
    assert main(["local", "doctor", "--store", str(path)]) == 0
    assert "sound" in capsys.readouterr().out


def test_doctor_on_a_file_that_is_not_sqlite_says_to_move_it_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    assert main(["local", "doctor", "--store", str(path), "--repair"]) == 1
    assert f"mv {path} {path}.damaged" in capsys.readouterr().err


def test_local_start_on_a_damaged_schema_says_which_file_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a store whose events table was dropped
    path = tmp_path / "store.sqlite3"
    _store(path)
    _damage(path, "DROP TABLE events")
    template = Path(__file__).resolve().parents[3] / "template.yaml"
    # WHEN the emulator is started on it THEN it stops with one line naming the file, the damage and the fix
    assert main(["local", "start", "--template", str(template), "--store", str(path), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "table events is missing" in err
    assert f"powertools-durable local doctor --store {path} --repair" in err
