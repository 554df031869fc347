"""A checkpoint's effects happen only after its commit; a retried call (same ClientToken) changes nothing twice."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from powertools_durable.local.effects import Launch
from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.service import handlers
from tests.e2e.service.conftest import EmulatorFactory

pytestmark = pytest.mark.e2e

CHAINED = {
    "Id": "c1",
    "Type": "CHAINED_INVOKE",
    "Action": "START",
    "SubType": "ChainedInvoke",
    "Payload": '{"hello": 1}',
    "ChainedInvokeOptions": {"FunctionName": "Echo"},
}


@pytest.fixture
def blocked(make_emulator: EmulatorFactory) -> Iterator[tuple[LocalEmulator, str]]:
    """An emulator and an execution whose invocation is held open (its first step checkpointed)."""
    emulator = make_emulator(time_scale=1)
    handlers.release.clear()
    arn = emulator.invoke("Blocks")
    deadline = time.monotonic() + 10
    while len(emulator.store.events(arn)) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield emulator, arn
    handlers.release.set()


def _children(emulator: LocalEmulator) -> list[str]:
    return [r.arn for r in emulator.store.executions("Echo")]


def _token(emulator: LocalEmulator, arn: str) -> str:
    record = emulator.store.get(arn)
    assert record is not None
    assert record.token is not None
    return record.token


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_a_refused_batch_starts_no_chained_target(blocked: tuple[LocalEmulator, str]) -> None:
    # GIVEN a held-open execution
    emulator, arn = blocked
    lambda_client = emulator.client()
    token = _token(emulator, arn)
    # WHEN a batch that starts a chained invoke is refused for a later update in it
    bad = {"Id": "w1", "Type": "WAIT", "Action": "SUCCEED"}
    with pytest.raises(ClientError) as exc:
        lambda_client.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken=token, Updates=[CHAINED, bad]
        )
    # THEN nothing was started
    assert _code(exc) == "InvalidParameterValueException"
    assert _children(emulator) == []
    # AND the resent valid batch starts exactly one target
    lambda_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=token, Updates=[CHAINED])
    assert len(_children(emulator)) == 1


def test_a_batch_whose_commit_fails_starts_no_chained_target(
    blocked: tuple[LocalEmulator, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a held-open execution, and a store whose next commit fails (disk full, I/O error)
    emulator, arn = blocked
    lambda_client = emulator.client()
    token = _token(emulator, arn)
    real_commit = emulator.store.commit
    failures = [sqlite3.OperationalError("database or disk is full")]

    def failing_commit(commit: Any) -> Any:
        if failures:
            raise failures.pop()
        return real_commit(commit)

    monkeypatch.setattr(emulator.store, "commit", failing_commit)
    # WHEN a batch starting a chained invoke fails to commit (a client that does not retry)
    send = {"DurableExecutionArn": arn, "CheckpointToken": token, "Updates": [CHAINED], "ClientToken": "resend-1"}
    once = boto3.client(
        "lambda",
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError):
        once.checkpoint_durable_execution(**send)
    # THEN nothing was started
    assert _children(emulator) == []
    # WHEN the batch fails once more and boto3 resends it by itself (same ClientToken)
    failures.append(sqlite3.OperationalError("disk I/O error"))
    answer = lambda_client.checkpoint_durable_execution(**send)
    assert failures == []
    # THEN exactly one target runs, the one the history names
    assert len(_children(emulator)) == 1
    started = [e for e in emulator.history(arn) if e["EventType"] == "ChainedInvokeStarted"]
    assert len(started) == 1
    assert started[0]["ChainedInvokeStartedDetails"]["DurableExecutionArn"] == _children(emulator)[0]
    assert answer["NewExecutionState"]["Operations"][0]["Id"] == "c1"
    assert emulator.wait(_children(emulator)[0], 10).status == "SUCCEEDED"


def test_a_retried_checkpoint_with_the_same_client_token_is_answered_again_and_applied_once(
    blocked: tuple[LocalEmulator, str],
) -> None:
    # GIVEN a held-open execution and a batch sent once with ClientToken "ct-1" (its target waits an hour,
    # so nothing else changes the caller's operations meanwhile)
    emulator, arn = blocked
    lambda_client = emulator.client()
    token = _token(emulator, arn)
    chained = {**CHAINED, "ChainedInvokeOptions": {"FunctionName": "LongWait"}}
    send = {"DurableExecutionArn": arn, "CheckpointToken": token, "Updates": [chained], "ClientToken": "ct-1"}
    first = lambda_client.checkpoint_durable_execution(**send)
    history = emulator.history(arn)
    operations = emulator.store.operations(arn)
    # WHEN it is sent again with the same ClientToken (the first answer was lost)
    again = lambda_client.checkpoint_durable_execution(**send)
    # THEN the answer is the same and nothing was applied twice
    assert again["CheckpointToken"] == first["CheckpointToken"]
    assert again["NewExecutionState"] == first["NewExecutionState"]
    assert emulator.history(arn) == history
    assert emulator.store.operations(arn) == operations
    assert len(emulator.store.executions("LongWait")) == 1
    # AND another ClientToken with the spent token gets AWS's error, as before
    with pytest.raises(ClientError) as exc:
        lambda_client.checkpoint_durable_execution(**{**send, "ClientToken": "ct-2"})
    assert _code(exc) == "InvalidParameterValueException"
    # AND the same ClientToken with other updates is refused, naming the token
    other = {"Id": "s9", "Type": "STEP", "Action": "START", "SubType": "Step"}
    with pytest.raises(ClientError) as exc:
        lambda_client.checkpoint_durable_execution(**{**send, "Updates": [other]})
    assert "ct-1" in exc.value.response["Error"]["Message"]
    assert emulator.history(arn) == history
    # AND the new token still works
    lambda_client.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken=first["CheckpointToken"], Updates=[other], ClientToken="ct-3"
    )
    assert emulator.store.operations(arn)[-1]["Id"] == "s9"


@pytest.mark.parametrize("lost", ["launch", "report"])
def test_effects_lost_to_a_crash_are_applied_on_restart(
    make_emulator: EmulatorFactory, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    # GIVEN a parent that invokes Echo, on an emulator that "crashes" between a commit and its effect:
    # the child's launch is lost, or the child's end is never reported to the parent
    store = tmp_path / "store.sqlite3"
    emulator = make_emulator(store)
    if lost == "launch":
        apply = emulator.service.on_effects
        monkeypatch.setattr(
            emulator.service,
            "on_effects",
            lambda effects: apply([e for e in effects if not (isinstance(e, Launch) and e.record.parent_arn)]),
        )
    else:
        monkeypatch.setattr(emulator.scheduler.chained, "child_ended", lambda record: None)
    arn = emulator.invoke("InvokesEcho", {"x": 1})
    deadline = time.monotonic() + 10
    while not _children(emulator) or (lost == "report" and emulator.result(_children(emulator)[0]).status == "RUNNING"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert emulator.result(arn).status == "RUNNING"
    emulator.close()
    # WHEN an emulator starts again on the same store
    restarted = make_emulator(store)
    # THEN the parent gets its child's result, from exactly one child
    result = restarted.wait(arn, 10)
    assert result.status == "SUCCEEDED", result.error
    assert result.result == {"x": 1}
    assert len(_children(restarted)) == 1
    assert len(result.events("ChainedInvokeSucceeded")) == 1
