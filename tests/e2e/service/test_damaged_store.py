"""An emulator on a store with a damaged execution starts, serves the others, and names the damage and the fix."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.service.conftest import EmulatorFactory
from tests.e2e.service.standin import client
from tests.e2e.service.subprocess_emulator import free_port, kill9, sleepy_app, start

pytestmark = pytest.mark.e2e


def _damage(path: Path, sql: str, arn: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql, (arn,))
    db.close()


def test_damaged_executions_are_skipped_and_the_rest_runs(make_emulator: EmulatorFactory, tmp_path: Path) -> None:
    # GIVEN a store with three ended executions and two suspended in a long wait
    path = tmp_path / "store.sqlite3"
    emulator = make_emulator(path)
    ended = [emulator.run("Echo", {"i": i}).arn for i in range(3)]
    waiting = [emulator.invoke("LongWait", {}) for _ in range(2)]
    deadline = time.monotonic() + 30
    while not all(emulator.result(arn).events("InvocationCompleted") for arn in waiting):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    emulator.close()
    # AND one ended execution's record and one waiting execution's operation are damaged
    _damage(path, "UPDATE executions SET record='{broken' WHERE arn=?", ended[1])
    _damage(path, "UPDATE operations SET body='[' WHERE arn=?", waiting[0])
    # WHEN an emulator starts on it
    restarted = make_emulator(path)
    lambda_client = client(restarted.endpoint_url)
    # THEN the sound waiting execution resumes, the damaged one is skipped, and both damaged ones are named
    assert restarted.recovered == 1
    assert restarted.store.damaged.keys() == {ended[1], waiting[0]}  # type: ignore[attr-defined]
    listed = lambda_client.list_durable_executions_by_function(FunctionName="Echo")["DurableExecutions"]
    assert [e["DurableExecutionArn"] for e in listed] == [ended[0], ended[2]]
    with pytest.raises(ClientError) as exc:
        lambda_client.get_durable_execution(DurableExecutionArn=ended[1])
    message = exc.value.response["Error"]["Message"]
    assert ended[1] in message
    assert str(path) in message
    assert f"powertools-durable local doctor --store {path} --repair" in message
    # AND new executions run
    assert restarted.run("Echo", {"new": True}).result == {"new": True}
    assert restarted.result(waiting[1]).status == "RUNNING"


def test_local_start_warns_about_damaged_executions_with_the_fix(tmp_path: Path) -> None:
    # GIVEN a store written by `local start` with two ended executions, one of which is then damaged
    port, path, log = free_port(), tmp_path / "store.sqlite3", tmp_path / "emulator.log"
    template = sleepy_app(tmp_path)
    (tmp_path / "running").mkdir()
    process = start(port, path, log, template)
    payload = json.dumps({"seconds": 0, "running": str(tmp_path / "running")})
    try:
        lambda_client = client(f"http://127.0.0.1:{port}")
        arns = [
            lambda_client.invoke(FunctionName="Sleepy", InvocationType="RequestResponse", Payload=payload)[
                "DurableExecutionArn"
            ]
            for _ in range(2)
        ]
    finally:
        kill9(process)
    _damage(path, "UPDATE executions SET record='{broken' WHERE arn=?", arns[0])
    # WHEN it is started again
    process = start(port, path, log, template)
    try:
        # THEN it serves, and its start message names the damaged execution, the file and the repair
        deadline = time.monotonic() + 10
        while f"skipped damaged execution {arns[0]}" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert f"powertools-durable local doctor --store {path} --repair" in log.read_text()
        described = client(f"http://127.0.0.1:{port}").get_durable_execution(DurableExecutionArn=arns[1])
        assert described["Status"] == "SUCCEEDED"
    finally:
        kill9(process)
