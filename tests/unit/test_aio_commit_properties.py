"""The loop's group commit under any mix of tasks: nothing deadlocks, nothing is lost, sent twice or reordered.

Whether the call is made on the loop's thread or from a sender thread depends on what the other tasks
wait for (a commit, a timer, a thread, an event another task sets, a running body); whichever it is,
each update goes out exactly once, in each task's order, before that task's await returns.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from powertools_durable.aio.commit import LoopCommitter
from powertools_durable.replay.checkpointer import Checkpointer
from tests.unit.test_checkpointer import ARN, RecordingClient, update

KINDS = ("commit", "sleep", "thread", "body", "slow body", "gather", "event wait", "event set")

actors = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(min_value=1, max_value=3)), min_size=1, max_size=12)


def offload(func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    return asyncio.get_running_loop().run_in_executor(None, func, *args)


@settings(max_examples=60, deadline=None)
@given(actors)
def test_any_mix_of_tasks_sends_every_update_once_in_order_and_ends(plan: list[tuple[str, int]]) -> None:
    client = RecordingClient()
    acknowledged_late: list[str] = []

    def sent() -> list[str]:
        return [u["Id"] for _, updates in client.calls for u in updates]

    async def scenario() -> None:
        checkpointer = Checkpointer(client, ARN, "t0", lambda ops: None)
        committer = LoopCommitter(asyncio.get_running_loop(), checkpointer, offload)
        released = asyncio.Event()
        if not any(kind == "event set" for kind, _ in plan):
            released.set()  # a waiter with nobody to set its event would wait forever by design

        async def commit(actor: int, n: int) -> None:
            op = update(actor * 10 + n)
            await committer.commit((op,))
            if op["Id"] not in sent():  # acknowledged means sent
                acknowledged_late.append(op["Id"])

        async def act(actor: int, kind: str, count: int) -> None:
            for n in range(count):
                if kind == "sleep":
                    await asyncio.sleep(0.001)
                elif kind == "thread":
                    await asyncio.to_thread(time.sleep, 0.001)
                elif kind in ("body", "slow body"):
                    committer.body_started()
                    key = committer.watch(0.001) if kind == "slow body" else None
                    await asyncio.sleep(0.003 if kind == "slow body" else 0)
                    committer.body_ended(key)
                elif kind == "event wait":
                    await released.wait()
                if kind == "gather":
                    await asyncio.gather(*(commit(actor, n * 3 + k) for k in range(3)))
                else:
                    await commit(actor, n)
            if kind == "event set":
                released.set()

        # no asyncio.wait_for: its timer would keep every call off the loop; pytest-timeout bounds a deadlock
        await asyncio.gather(*(act(i, kind, count) for i, (kind, count) in enumerate(plan)))
        await asyncio.to_thread(checkpointer.flush)  # as the invocation's end does: whatever is still queued

    asyncio.run(scenario())

    # THEN every update went out exactly once, each actor's sequential commits in order, none acknowledged early
    ids = sent()
    expected = {
        f"op-{actor * 10 + n}"
        for actor, (kind, count) in enumerate(plan)
        for n in (range(count * 3) if kind == "gather" else range(count))
    }
    assert sorted(ids) == sorted(expected)
    assert acknowledged_late == []
    for actor, (kind, count) in enumerate(plan):
        if kind != "gather":
            mine = [i for i in ids if i in {f"op-{actor * 10 + n}" for n in range(count)}]
            assert mine == [f"op-{actor * 10 + n}" for n in range(count)]
