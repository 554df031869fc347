"""The event loop's group commit: one call per loop turn, order, failure, cancellation (no timed assertions)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from powertools_durable.aio import commit as commit_module
from powertools_durable.aio.commit import LoopCommitter
from powertools_durable.exceptions import CheckpointError
from powertools_durable.replay.checkpointer import Checkpointer
from powertools_durable.service.wire import WireDict
from tests.unit.test_checkpointer import ARN, RecordingClient, update


def offload(func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    return asyncio.get_running_loop().run_in_executor(None, func, *args)


def run(scenario: Callable[[LoopCommitter, Checkpointer], Awaitable[Any]], client: RecordingClient) -> Any:
    """Run ``scenario(committer, checkpointer)`` on a fresh loop."""

    async def main() -> Any:
        checkpointer = Checkpointer(client, ARN, "t0", lambda ops: None)
        return await scenario(LoopCommitter(asyncio.get_running_loop(), checkpointer, offload), checkpointer)

    return asyncio.run(main())


async def committing(committer: LoopCommitter, n: int) -> None:
    """What a step's task does: queue its update and await the acknowledgement."""
    await committer.commit((update(n),))


def ids(updates: list[WireDict]) -> list[str]:
    return [u["Id"] for u in updates]


def test_the_commits_of_one_loop_turn_share_one_call_in_order():
    # GIVEN 100 tasks that each commit one update in the same loop turn
    client = RecordingClient()

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> None:
        await asyncio.gather(*(committing(committer, n) for n in range(100)))

    # WHEN they all await their acknowledgement
    run(scenario, client)

    # THEN one call carried all of them, in the order they were queued
    assert len(client.calls) == 1
    assert ids(client.calls[0][1]) == [f"op-{n}" for n in range(100)]


def test_commits_made_while_a_call_flies_go_in_the_next_call_with_the_token_chained():
    # GIVEN a service that holds the first call open
    client = RecordingClient()
    client.gate = threading.Event()

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> list[str]:
        first = asyncio.ensure_future(committing(committer, 0))
        await asyncio.to_thread(client.entered.wait, 10)  # the first call is in flight
        later = [asyncio.ensure_future(committing(committer, n)) for n in (1, 2, 3)]
        await asyncio.sleep(0)
        client.gate.set()  # type: ignore[union-attr]
        await asyncio.gather(first, *later)
        return [checkpointer.token or ""]

    # WHEN three more tasks commit during that call
    tokens = run(scenario, client)

    # THEN they went together in a second call, which used the token the first answered with
    assert [ids(updates) for _, updates in client.calls] == [["op-0"], ["op-1", "op-2", "op-3"]]
    assert [token for token, _ in client.calls] == ["t0", "t1"]
    assert tokens == ["t2"]


def test_a_failed_call_fails_every_awaiter_with_one_error_and_keeps_the_updates():
    # GIVEN a service whose first call fails
    client = RecordingClient()
    client.fail_on_call = 1

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> tuple[list[Any], list[WireDict]]:
        outcomes = await asyncio.gather(*(committing(committer, n) for n in range(5)), return_exceptions=True)
        later = await asyncio.gather(committing(committer, 9), return_exceptions=True)
        return [*outcomes, *later], checkpointer.pending

    # WHEN five tasks commit in one turn, and one more after the failure
    outcomes, pending = run(scenario, client)

    # THEN every awaiter got the same CheckpointError, no later call was made, and nothing was dropped
    assert all(isinstance(outcome, CheckpointError) for outcome in outcomes)
    assert len({id(outcome) for outcome in outcomes}) == 1
    assert len(client.calls) == 1
    assert ids(pending) == ["op-0", "op-1", "op-2", "op-3", "op-4", "op-9"]


def test_a_task_cancelled_while_it_awaits_its_commit_neither_loses_nor_duplicates_its_update():
    # GIVEN a service that holds the first call open, and a task awaiting the commit of op-1 behind it
    client = RecordingClient()
    client.gate = threading.Event()

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> None:
        first = asyncio.ensure_future(committing(committer, 0))
        await asyncio.to_thread(client.entered.wait, 10)

        async def awaiting() -> None:
            await committer.commit((update(1),))

        task = asyncio.ensure_future(awaiting())
        await asyncio.sleep(0)
        # WHEN that task is cancelled before its update went out
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        client.gate.set()  # type: ignore[union-attr]
        await first
        await committer.commit((update(2),))
        await asyncio.to_thread(checkpointer.flush)

    run(scenario, client)

    # THEN op-1 was sent once, in order, and nothing was sent twice
    sent = [u["Id"] for _, updates in client.calls for u in updates]
    assert sent == ["op-0", "op-1", "op-2"]


def test_the_sender_waits_for_running_bodies_before_it_calls(monkeypatch: pytest.MonkeyPatch):
    # GIVEN a sender that may wait as long as it takes (no time budget to race with)
    monkeypatch.setattr(commit_module, "GATHER_FIRST_SECONDS", 60.0)
    monkeypatch.setattr(commit_module, "GATHER_IDLE_SECONDS", 60.0)
    client = RecordingClient()

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> None:
        committer.body_started()  # a body runs

        async def other() -> None:
            await committer.commit((update(0),))

        async def running() -> None:
            for _ in range(5):
                await asyncio.sleep(0)  # ... and returns a few loop turns later
            committer.body_ended()
            await committer.commit((update(1),))

        # WHEN another task commits while that body still runs
        await asyncio.gather(other(), running())

    run(scenario, client)

    # THEN both updates went in one call
    assert [ids(updates) for _, updates in client.calls] == [["op-0", "op-1"]]


class ThreadRecordingClient(RecordingClient):
    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[WireDict]) -> WireDict:
        self.threads.append(threading.current_thread().name)
        return super().checkpoint(durable_execution_arn, checkpoint_token, updates)


def test_a_lone_task_commits_from_the_loop_thread_and_any_other_task_sends_it_to_a_thread():
    # GIVEN a task that commits alone, then while a background task exists
    client = ThreadRecordingClient()

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> None:
        await committer.commit((update(0),))  # the only task: nothing else could run during the call
        background = asyncio.ensure_future(asyncio.sleep(60))
        await committer.commit((update(1),))  # another task might need the loop meanwhile
        background.cancel()

    # WHEN both commits run
    run(scenario, client)

    # THEN the first call was made on the loop's thread, the second from a worker thread
    loop_thread = threading.main_thread().name
    assert client.threads[0] == loop_thread
    assert client.threads[1] != loop_thread
    assert [ids(updates) for _, updates in client.calls] == [["op-0"], ["op-1"]]


def test_tasks_that_all_wait_for_the_commit_have_it_made_on_the_loop_thread():
    # GIVEN fifty tasks committing in one loop turn, and nothing else on the loop
    client = ThreadRecordingClient()

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> None:
        await asyncio.gather(*(committing(committer, n) for n in range(50)))

    # WHEN their commit is sent
    run(scenario, client)

    # THEN one call carried them all, made on the loop's thread (nothing else could run while it flew)
    assert client.threads == [threading.main_thread().name]
    assert [len(updates) for _, updates in client.calls] == [50]


def test_a_task_watching_a_socket_or_a_timer_has_the_commit_made_from_a_thread():
    # GIVEN commits made while another task waits for data on a socket, then while one sleeps
    client = ThreadRecordingClient()

    async def scenario(committer: LoopCommitter, checkpointer: Checkpointer) -> None:
        ours, theirs = socket.socketpair()  # theirs stays open: nothing arrives
        reader, writer = await asyncio.open_connection(sock=ours)
        reading = asyncio.ensure_future(reader.read(1))  # the loop watches the socket for this task
        await asyncio.sleep(0)
        await asyncio.gather(*(committing(committer, n) for n in range(2)))
        reading.cancel()
        writer.close()
        theirs.close()
        sleeping = asyncio.ensure_future(asyncio.sleep(60))  # the loop holds a timer for this task
        await asyncio.sleep(0)
        await asyncio.gather(*(committing(committer, n) for n in range(2, 4)))
        sleeping.cancel()

    # WHEN both commits run
    run(scenario, client)

    # THEN neither call blocked the loop: both were made from a worker thread
    loop_thread = threading.main_thread().name
    assert len(client.threads) == 2
    assert loop_thread not in client.threads


class ForeignLoop:
    """A loop whose internals the committer cannot read (as uvloop's): everything else is the real loop's."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._real = loop

    def __getattr__(self, name: str) -> Any:
        if name in ("_ready", "_scheduled", "_selector", "_ssock"):
            raise AttributeError(name)
        return getattr(self._real, name)


def test_a_loop_whose_internals_are_unknown_always_has_the_call_made_from_a_thread():
    # GIVEN a committer on a loop that is not asyncio's own, with a lone task committing, then a gather
    client = ThreadRecordingClient()

    async def main() -> None:
        checkpointer = Checkpointer(client, ARN, "t0", lambda ops: None)
        committer = LoopCommitter(ForeignLoop(asyncio.get_running_loop()), checkpointer, offload)  # type: ignore[arg-type]
        await committer.commit((update(0),))
        await asyncio.gather(*(committing(committer, n) for n in range(1, 4)))

    # WHEN both commits run
    asyncio.run(main())

    # THEN neither call blocked the loop: nothing tells that nothing else could run on it
    assert len(client.threads) == 2
    assert threading.main_thread().name not in client.threads
    assert [ids(updates) for _, updates in client.calls] == [["op-0"], ["op-1", "op-2", "op-3"]]
