"""The group-commit checkpointer: ordering, coalescing, splitting and failure, under concurrent callers."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from powertools_durable.exceptions import CheckpointError, InvocationError
from powertools_durable.replay.batches import MAX_BATCH_BYTES, MAX_BATCH_UPDATES
from powertools_durable.replay.checkpointer import Checkpointer
from powertools_durable.service.wire import WireDict

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/f/e"


class RecordingClient:
    """Answers every checkpoint with the next token; can hold a call open or fail one."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[WireDict]]] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self.fail_on_call: int | None = None
        self._lock = threading.Lock()

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[WireDict]) -> WireDict:
        with self._lock:
            self.calls.append((checkpoint_token, list(updates)))
            number = len(self.calls)
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if number == self.fail_on_call:
            raise CheckpointError("CheckpointDurableExecution failed: ServiceException (simulated)")
        return {
            "CheckpointToken": f"t{number}",
            "NewExecutionState": {"Operations": [{"Id": u["Id"], "Type": "STEP", "Status": "X"} for u in updates]},
        }

    def get_execution_state(self, *args: Any, **kwargs: Any) -> WireDict:
        return {"Operations": []}


def update(n: int, payload: str | None = None) -> WireDict:
    u: WireDict = {"Id": f"op-{n}", "Type": "STEP", "Action": "SUCCEED"}
    if payload is not None:
        u["Payload"] = payload
    return u


def make(client: RecordingClient) -> tuple[Checkpointer, dict[str, WireDict]]:
    merged: dict[str, WireDict] = {}

    def merge(ops: Any) -> None:
        for op in ops:
            merged[op["Id"]] = op

    return Checkpointer(client, ARN, "t0", merge), merged


def test_sequential_commits_cost_one_call_each_and_chain_tokens():
    # GIVEN a checkpointer / WHEN three updates are committed one after another
    client = RecordingClient()
    checkpointer, merged = make(client)
    for n in range(3):
        checkpointer.commit(update(n))
    # THEN three calls, each with the token the previous answer returned, and every answer merged
    assert [token for token, _ in client.calls] == ["t0", "t1", "t2"]
    assert [[u["Id"] for u in batch] for _, batch in client.calls] == [["op-0"], ["op-1"], ["op-2"]]
    assert set(merged) == {"op-0", "op-1", "op-2"}
    assert checkpointer.calls == 3
    assert checkpointer.token == "t3"


def test_enqueued_updates_ride_with_the_next_commit():
    client = RecordingClient()
    checkpointer, _ = make(client)
    checkpointer.enqueue(update(1))
    assert client.calls == []
    checkpointer.commit(update(2))
    assert [[u["Id"] for u in batch] for _, batch in client.calls] == [["op-1", "op-2"]]


def test_commits_while_a_call_flies_are_coalesced_into_one_call():
    # GIVEN a call held in flight
    client = RecordingClient()
    client.gate = threading.Event()
    checkpointer, _ = make(client)
    first = threading.Thread(target=checkpointer.commit, args=(update(0),))
    first.start()
    assert client.entered.wait(5)
    # WHEN 20 threads commit while it flies
    done: list[int] = []
    threads = [
        threading.Thread(target=lambda n=n: (checkpointer.commit(update(n)), done.append(n))) for n in range(1, 21)
    ]
    for thread in threads:
        thread.start()
    while len(checkpointer.pending) < 20:  # every follower has queued its update
        threading.Event().wait(0.001)
    client.gate.set()
    first.join(5)
    for thread in threads:
        thread.join(5)
    # THEN they all went in one second call, each update exactly once, and every caller returned
    assert len(client.calls) == 2
    sent = [u["Id"] for _, batch in client.calls for u in batch]
    assert sorted(sent) == sorted(f"op-{n}" for n in range(21))
    assert len(sent) == len(set(sent))
    assert sorted(done) == list(range(1, 21))
    assert [token for token, _ in client.calls] == ["t0", "t1"]


def test_a_failed_call_fails_every_waiter_and_keeps_the_updates():
    # GIVEN the first call held and then failing
    client = RecordingClient()
    client.gate = threading.Event()
    client.fail_on_call = 1
    checkpointer, _ = make(client)
    errors: list[BaseException] = []

    def commit(n: int) -> None:
        try:
            checkpointer.commit(update(n))
        except InvocationError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=commit, args=(n,)) for n in range(5)]
    threads[0].start()
    assert client.entered.wait(5)
    for thread in threads[1:]:
        thread.start()
    while len(checkpointer.pending) < 4:
        threading.Event().wait(0.001)
    client.gate.set()
    for thread in threads:
        thread.join(5)
    # THEN every caller got the same error, nothing else was sent, every update is still queued
    assert len(errors) == 5
    assert all(exc is errors[0] for exc in errors)
    assert len(client.calls) == 1
    assert sorted(u["Id"] for u in checkpointer.pending) == [f"op-{n}" for n in range(5)]
    with pytest.raises(CheckpointError):
        checkpointer.commit(update(9))  # poisoned
    assert len(client.calls) == 1


def test_a_large_queue_is_split_by_count():
    client = RecordingClient()
    checkpointer, _ = make(client)
    for n in range(MAX_BATCH_UPDATES * 2 + 10):
        checkpointer.enqueue(update(n))
    checkpointer.flush()
    assert [len(batch) for _, batch in client.calls] == [MAX_BATCH_UPDATES, MAX_BATCH_UPDATES, 10]
    sent = [u["Id"] for _, batch in client.calls for u in batch]
    assert sent == [f"op-{n}" for n in range(MAX_BATCH_UPDATES * 2 + 10)]


def test_a_large_queue_is_split_by_bytes_and_an_oversized_update_goes_alone():
    client = RecordingClient()
    checkpointer, _ = make(client)
    chunk = "x" * (MAX_BATCH_BYTES // 3)
    checkpointer.enqueue(update(0, chunk))
    checkpointer.enqueue(update(1, chunk))
    checkpointer.enqueue(update(2, chunk))  # the third no longer fits beside the first two
    checkpointer.enqueue(update(3, "y" * (MAX_BATCH_BYTES + 1)))  # too big for any batch: alone
    checkpointer.enqueue(update(4))
    checkpointer.flush()
    assert [[u["Id"] for u in batch] for _, batch in client.calls] == [
        ["op-0", "op-1"],
        ["op-2"],
        ["op-3"],
        ["op-4"],
    ]


def test_a_thousand_concurrent_commits_lose_and_duplicate_nothing():
    client = RecordingClient()
    checkpointer, merged = make(client)
    threads = [threading.Thread(target=checkpointer.commit, args=(update(n),)) for n in range(1000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    sent = [u["Id"] for _, batch in client.calls for u in batch]
    assert sorted(sent) == sorted(f"op-{n}" for n in range(1000))
    assert len(merged) == 1000
    tokens = [token for token, _ in client.calls]
    assert tokens == [f"t{n}" for n in range(len(client.calls))]  # chained in order
    assert len(client.calls) <= 1000


def test_many_threads_committing_repeatedly_against_a_slow_service_never_hang_or_lose_an_update():
    # GIVEN a service taking a moment per call, and batches split small (so waiters' targets interleave)
    client = RecordingClient()
    real = client.checkpoint

    def slow(arn: str, token: str, updates: list[WireDict]) -> WireDict:
        threading.Event().wait(0.001)
        return real(arn, token, updates)

    client.checkpoint = slow  # type: ignore[method-assign]
    checkpointer, merged = make(client)
    payload = "p" * (MAX_BATCH_BYTES // 7)

    def branch(b: int) -> None:
        for n in range(5):
            checkpointer.enqueue(update(b * 100 + n * 2, payload if n % 2 else None))
            checkpointer.commit(update(b * 100 + n * 2 + 1))

    # WHEN 50 branches commit five times each
    threads = [threading.Thread(target=branch, args=(b,)) for b in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # THEN every branch returned, every update went exactly once, tokens chained
    assert not any(thread.is_alive() for thread in threads)
    sent = [u["Id"] for _, batch in client.calls for u in batch]
    assert len(sent) == len(set(sent)) == 500
    assert len(merged) == 500
    assert [token for token, _ in client.calls] == [f"t{n}" for n in range(len(client.calls))]
    assert checkpointer.pending == []


def _no_gather_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gathering ends only when every participant waits (or leaves): no timer decides what these tests see."""
    from powertools_durable.replay import checkpointer as module

    monkeypatch.setattr(module, "GATHER_MIN_SECONDS", 60.0)
    monkeypatch.setattr(module, "GATHER_CAP_SECONDS", 60.0)


def test_a_leader_waits_for_every_running_participant_and_sends_one_call(monkeypatch: pytest.MonkeyPatch):
    # GIVEN ten participants (branches), gathering bounded by nothing but their arrival
    _no_gather_timeout(monkeypatch)
    client = RecordingClient()
    checkpointer, _ = make(client)
    for _ in range(10):
        checkpointer.join()
    # WHEN they commit one after another, each on its own thread
    threads = [threading.Thread(target=checkpointer.commit, args=(update(n),)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # THEN the first to commit waited for the nine others: one call carries all ten
    assert not any(thread.is_alive() for thread in threads)
    assert len(client.calls) == 1
    assert sorted(u["Id"] for u in client.calls[0][1]) == sorted(f"op-{n}" for n in range(10))


def test_a_participant_leaving_wakes_the_gathering_leader(monkeypatch: pytest.MonkeyPatch):
    # GIVEN two participants, one of which commits while the other still runs
    _no_gather_timeout(monkeypatch)
    client = RecordingClient()
    checkpointer, _ = make(client)
    checkpointer.join()
    checkpointer.join()
    leader = threading.Thread(target=checkpointer.commit, args=(update(1),))
    leader.start()
    while not checkpointer.pending:  # the leader queued its update and gathers
        threading.Event().wait(0.001)
    assert client.calls == []
    # WHEN the other one ends without committing
    checkpointer.leave()
    leader.join(30)
    # THEN the leader stops gathering and sends
    assert not leader.is_alive()
    assert [[u["Id"] for u in batch] for _, batch in client.calls] == [["op-1"]]


def test_a_participant_that_never_commits_does_not_hold_the_leader():
    # GIVEN two participants, one busy (a long step body) for as long as the test runs
    client = RecordingClient()
    checkpointer, _ = make(client)
    checkpointer.join()
    checkpointer.join()
    # WHEN the other commits
    checkpointer.commit(update(1))
    # THEN it returned (after the gathering budget, not after the busy one): its update is acknowledged
    assert [[u["Id"] for u in batch] for _, batch in client.calls] == [["op-1"]]
    assert checkpointer.pending == []


def test_a_failure_while_the_leader_gathers_sends_nothing_and_fails_the_waiters(monkeypatch: pytest.MonkeyPatch):
    # GIVEN a leader gathering for a second participant that has not committed yet
    _no_gather_timeout(monkeypatch)
    client = RecordingClient()
    checkpointer, _ = make(client)
    checkpointer.join()
    checkpointer.join()
    errors: list[BaseException] = []

    def commit() -> None:
        try:
            checkpointer.commit(update(1))
        except InvocationError as exc:
            errors.append(exc)

    leader = threading.Thread(target=commit)
    leader.start()
    while not checkpointer.pending:
        threading.Event().wait(0.001)
    # WHEN the checkpointer is poisoned meanwhile, and the other participant ends
    checkpointer.fail(CheckpointError("an earlier call failed (simulated)"))
    checkpointer.leave()
    leader.join(30)
    # THEN no call was made, the leader raised the failure, and its update stays queued
    assert not leader.is_alive()
    assert client.calls == []
    assert [str(e) for e in errors] == ["an earlier call failed (simulated)"]
    assert [u["Id"] for u in checkpointer.pending] == ["op-1"]


def _parked(count: int) -> list[threading.Lock]:
    locks = [threading.Lock() for _ in range(count)]
    for lock in locks:
        lock.acquire()
    return locks


def test_acknowledged_waiters_are_woken_as_a_relay_each_waking_the_next():
    checkpointer, _ = make(RecordingClient())
    locks = _parked(3)
    checkpointer._acknowledged = 5
    checkpointer._waiters = [(n, lock) for n, lock in zip((3, 4, 5), locks, strict=True)]
    with checkpointer._lock:
        checkpointer._wake()
    assert [lock.locked() for lock in locks] == [False, True, True]  # the leader woke one
    assert checkpointer._waiters == []
    checkpointer._relay_next()  # what the first does as it resumes
    checkpointer._relay_next()
    assert [lock.locked() for lock in locks] == [False, False, False]
    checkpointer._relay_next()  # the last finds nobody left: nothing to do


def test_a_failure_wakes_every_waiter_and_every_relay_at_once():
    checkpointer, _ = make(RecordingClient())
    relayed, waiting = _parked(2), _parked(2)
    checkpointer._relay.extend(relayed)
    checkpointer._waiters = [(9, lock) for lock in waiting]
    checkpointer.fail(CheckpointError("boom"))
    with checkpointer._lock:
        checkpointer._wake()
    assert not any(lock.locked() for lock in relayed + waiting)
