"""Group commit on the event loop: tasks ``await`` their checkpoints; one sender makes the calls.

A task that needs updates acknowledged queues them on the invocation's
:class:`~powertools_durable.replay.checkpointer.Checkpointer` (on the loop, no lock held for long)
and awaits a future. The first such task of a loop turn schedules one sender task; it runs after
every task already ready in that turn, so all their updates go in the same call. The sender does
the blocking call on a worker thread through :meth:`Checkpointer.wait_for`, or on the loop itself when
nothing else could run on it meanwhile (see :meth:`LoopCommitter._loop_idle`), so the checkpointer's
guarantees hold unchanged: order, tokens chained, batch limits, one call in flight (shared with
operations still run on threads), and a failure that fails every waiter and keeps the updates.

A task cancelled while it awaits loses nothing: its updates are already queued, and the sender
(or the invocation's final flush) sends them once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any

from powertools_durable.exceptions import InvocationError
from powertools_durable.replay.checkpointer import Checkpointer
from powertools_durable.service.wire import WireDict

# Before a call, the sender waits for bodies still running (their tasks commit when they return) as long
# as they keep returning: it stops once none returned for GATHER_IDLE_SECONDS (the rest are slow: they go
# in a later call), and at the latest after GATHER_SHARE of a round trip, within these bounds.
GATHER_IDLE_SECONDS = 0.001
GATHER_SHARE = 0.5
GATHER_MIN_SECONDS = 0.002
GATHER_MAX_SECONDS = 0.02
GATHER_FIRST_SECONDS = 0.005  # before the first round trip was measured

Offload = Callable[..., Awaitable[Any]]


class LoopCommitter:
    """The checkpoints of one invocation's event loop.

    Parameters
    ----------
    loop
        The invocation's loop; every method is called on it.
    checkpointer
        The invocation's checkpointer.
    offload
        ``offload(func, *args)``: await ``func(*args)`` run on a worker thread the invocation waits for.
    threads_idle
        Whether no worker thread of the invocation runs (one may need the loop while the call flies).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        checkpointer: Checkpointer,
        offload: Offload,
        threads_idle: Callable[[], bool] = lambda: True,
    ) -> None:
        self._loop = loop
        self._checkpointer = checkpointer
        self._offload = offload
        self._threads_idle = threads_idle
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None
        self._busy = 0  # user functions running (their tasks commit when they return)
        self._ended = 0  # user functions that returned, ever
        self._quiet: asyncio.Future[None] | None = None  # resolved when _busy drops to 0
        self._round_trip: float | None = None
        self._watched: dict[int, float] = {}  # bodies on the loop whose START is queued: when it must be sent
        self._watch_keys = 0
        self._watch_timer: asyncio.TimerHandle | None = None
        self.calls = 0  # sender round trips (each one or more service calls)

    def commit(self, updates: tuple[WireDict, ...]) -> Awaitable[None]:
        """Queue ``updates``; the awaitable returned ends once they (and all queued before) are acknowledged.

        Not a coroutine: the step's task awaits the future itself (one coroutine frame fewer per commit).
        Made on the loop's thread when nothing else could run (then already acknowledged, or raising).
        """
        target = self._checkpointer.queue(*updates)
        if self._sender is None and self._loop_idle():
            with contextlib.suppress(InvocationError):  # the checkpointer keeps it: raised below
                self._checkpointer.wait_for(target)  # nothing else could run on the loop meanwhile
            self.calls += 1
            self._checkpointer.raise_if_failed()
            return _DONE
        future: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append((target, future))
        if self._sender is None:
            self._sender = self._loop.create_task(self._send())  # starts after the tasks ready in this turn
        return future

    def body_started(self) -> None:
        """A user function starts: a sender about to call waits a moment for its commit."""
        self._busy += 1

    def body_ended(self, watched: int | None = None) -> None:
        """A user function returned or raised (``watched``: what :meth:`watch` returned for it)."""
        self._busy -= 1
        self._ended += 1
        if watched is not None:
            self._watched.pop(watched, None)  # gone once its START was sent
        if not self._busy and self._quiet is not None and not self._quiet.done():
            self._quiet.set_result(None)

    def watch(self, window: float) -> int:
        """A body runs on the loop with its START queued: the START is sent if it runs ``window`` seconds.

        The loop's own start watch (the sync one takes a lock and a thread per process): one timer for
        every body watched, checked when the oldest one's window ends; a dict entry per body.
        """
        key = self._watch_keys
        self._watch_keys += 1
        self._watched[key] = self._loop.time() + window
        if self._watch_timer is None:
            self._watch_timer = self._loop.call_at(self._watched[key], self._watch_due)
        return key

    def _watch_due(self) -> None:
        """The oldest watched body outran its window: send what is queued (its START) now."""
        self._watch_timer = None
        now = self._loop.time()
        due = [key for key, deadline in self._watched.items() if deadline <= now]
        for key in due:
            del self._watched[key]  # sent once
        if due:
            flushed: asyncio.Future[None] = self._loop.create_future()  # nobody awaits it: a failure is the steps'
            flushed.add_done_callback(_consumed)
            self._waiters.append((self._checkpointer.queue(), flushed))
            if self._sender is None:
                self._sender = self._loop.create_task(self._send())
        if self._watched:
            self._watch_timer = self._loop.call_at(min(self._watched.values()), self._watch_due)

    async def _send(self) -> None:
        try:
            while self._waiters:
                await self._gather()
                target = max(target for target, _ in self._waiters)
                started = time.monotonic()
                with contextlib.suppress(InvocationError):  # the checkpointer keeps it: _settle fails every waiter
                    if self._loop_idle():
                        self._checkpointer.wait_for(target)  # nothing else could run on the loop meanwhile
                    else:
                        await self._offload(self._checkpointer.wait_for, target)
                self._measured(time.monotonic() - started)
                self.calls += 1
                self._settle()
        finally:
            self._sender = None

    async def _gather(self) -> None:
        """Let running user functions that keep returning join this call (a wave of gathered steps)."""
        if not self._busy:
            return
        rt = self._round_trip
        budget = (
            GATHER_FIRST_SECONDS if rt is None else min(GATHER_MAX_SECONDS, max(GATHER_MIN_SECONDS, rt * GATHER_SHARE))
        )
        deadline = self._loop.time() + budget
        while self._busy:
            ended = self._ended
            window = min(GATHER_IDLE_SECONDS, deadline - self._loop.time())
            if window <= 0:
                return
            quiet = self._quiet = self._loop.create_future()
            timer = self._loop.call_later(window, _resolve, quiet)
            try:
                await quiet
            finally:
                timer.cancel()
                self._quiet = None
            if self._ended == ended:
                return  # none returned for a whole window: the ones still running are slow

    def _loop_idle(self) -> bool:
        """Whether nothing but this call could run on the loop while it flies, so blocking the loop delays nothing.

        True when no user function runs, no worker thread of the invocation works, the loop has no
        callback ready, no timer pending and no socket watched, and every task waits for a commit
        (directly, or through the tasks and gathers it awaits): a gather of steps, or sequential code.
        Then the call is made on the loop's own thread, without two thread hops (a third of a gather's
        cost). A task waiting for anything else (a thread's result, an event) keeps the call on a thread.
        A loop or task that is not asyncio's own (uvloop) is never blocked: its internals are not known.
        """
        if self._busy or not self._threads_idle():
            return False
        if self._watch_timer is not None and not self._watched:  # left armed by bodies that ended since
            self._watch_timer.cancel()
            self._watch_timer = None
        loop = self._loop
        ready, timers, selector = (getattr(loop, name, None) for name in ("_ready", "_scheduled", "_selector"))
        if ready is None or timers is None or selector is None:
            return False
        if ready or any(not timer.cancelled() for timer in timers):
            return False
        own = getattr(loop, "_ssock", None)  # the loop's self-pipe: how threads wake it
        watched = selector.get_map()
        if len(watched) > 1 or (watched and (own is None or own.fileno() not in watched)):
            return False
        return _all_wait_for(asyncio.all_tasks(loop), asyncio.current_task(loop), self._waiters)

    def _measured(self, seconds: float) -> None:
        self._round_trip = seconds if self._round_trip is None else self._round_trip + (seconds - self._round_trip) / 4

    def _settle(self) -> None:
        """Resolve the waiters the calls acknowledged; fail them all if the checkpointer failed."""
        failure = self._checkpointer.failure
        acknowledged = self._checkpointer.acknowledged
        remaining = []
        for target, future in self._waiters:
            if future.done():  # its task was cancelled: its updates went (or go) out all the same
                continue
            if failure is not None:
                future.set_exception(failure)
            elif target <= acknowledged:
                future.set_result(None)
            else:
                remaining.append((target, future))
        self._waiters = remaining


def _all_wait_for(tasks: set[asyncio.Task[Any]], current: Any, waiters: list[tuple[int, asyncio.Future[None]]]) -> bool:
    """Whether every task but ``current`` can only go on once one of the ``waiters``' futures is resolved.

    A task waits for a commit directly, or for a gather (or a task) whose unfinished parts do.
    """
    # What waits for a commit: the futures, the current task (it is committing, or it is the sender),
    # then every task found waiting for one of them.
    known = {id(future) for _, future in waiters}
    known.add(id(current))
    indirect = []
    for task in tasks:
        if task is current:
            continue
        awaited = getattr(task, "_fut_waiter", None)
        if awaited is None:  # ready to run, or not asyncio's own task
            return False
        if id(awaited) in known:
            known.add(id(task))
        else:
            indirect.append(awaited)
    return all(_waits_for(awaited, known) for awaited in indirect)


def _waits_for(awaited: Any, known: set[int], depth: int = 0) -> bool:
    """Whether ``awaited`` (a task, a gather, a future) can only end once something in ``known`` does."""
    if id(awaited) in known:
        return True
    if depth > 8 or awaited.done():
        return False
    if isinstance(awaited, asyncio.Task):
        waiter = getattr(awaited, "_fut_waiter", None)  # None: ready to run, or not asyncio's own task
        return waiter is not None and _waits_for(waiter, known, depth + 1)
    children: list[asyncio.Future[Any]] | None = getattr(awaited, "_children", None)  # asyncio.gather's future
    if not children:
        return False
    return all(child.done() or _waits_for(child, known, depth + 1) for child in children)


class _Acknowledged:
    """What :meth:`LoopCommitter.commit` returns when it made the call itself: awaiting it returns at once."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # a generator that ends at once


_DONE = _Acknowledged()


def _consumed(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: no "never retrieved" warning; the steps waiting raise it


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
