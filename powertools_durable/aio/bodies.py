"""Sync step bodies of one invocation on worker threads, few threads and few wake-ups of the loop.

Bodies queue here; a worker (a job on the shared step pool) runs queued bodies one after another
and hands their results back to the loop in batches (one wake-up of the loop for all that finished
meanwhile, not one per body). One worker starts at once; another starts each
:data:`SPAWN_AFTER_SECONDS` while bodies still wait in the queue (the running ones block: I/O,
sleeps), up to :data:`~powertools_durable.aio.pools.BODY_WORKERS`. A wave of quick bodies (100
gathered steps) thus runs on one or two threads without the threads fighting for the GIL, and
slow bodies still run side by side.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from powertools_durable.aio.pools import BODY_WORKERS, shared_pool

SPAWN_AFTER_SECONDS = 0.001

_Item = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]


class BodyRunner:
    """Runs sync bodies on worker threads for one loop; ``track`` registers each worker job (to be awaited)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, track: Callable[[Future[Any]], object]) -> None:
        self._loop = loop
        self._track = track
        self._queue: collections.deque[_Item] = collections.deque()
        self._lock = threading.Lock()  # guards the fields below
        self._workers = 0
        self._finished: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        self._signalled = False
        self._spawn_timer: asyncio.TimerHandle | None = None

    def submit(self, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """On the loop: ``func(*args)`` on a worker thread; the future resolves on the loop."""
        future: asyncio.Future[Any] = self._loop.create_future()
        self._queue.append((func, args, future))
        with self._lock:
            start = self._workers == 0
            if start:
                self._workers += 1
        if start:
            self._start_worker()
        elif self._spawn_timer is None:
            self._spawn_timer = self._loop.call_later(SPAWN_AFTER_SECONDS, self._spawn_if_queued)
        return future

    def _spawn_if_queued(self) -> None:
        self._spawn_timer = None
        if not self._queue:
            return
        with self._lock:
            spawn = self._workers < BODY_WORKERS
            if spawn:
                self._workers += 1
        if spawn:
            self._start_worker()
        self._spawn_timer = self._loop.call_later(SPAWN_AFTER_SECONDS, self._spawn_if_queued)

    def _start_worker(self) -> None:
        self._track(shared_pool("step").submit(self._work))

    def _work(self) -> None:
        """On a worker thread: run queued bodies until none is left, handing results back in batches."""
        while True:
            try:
                func, args, future = self._queue.popleft()
            except IndexError:
                with self._lock:
                    if self._queue:  # queued after the pop failed: keep going
                        continue
                    self._workers -= 1
                return
            try:
                result, error = func(*args), None
            except BaseException as exc:  # handed to the awaiting task, which raises it
                result, error = None, exc
            with self._lock:
                self._finished.append((future, result, error))
                signal = not self._signalled
                self._signalled = True
            if signal:
                self._loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        """On the loop: resolve the futures of every body that finished since the last delivery."""
        with self._lock:
            finished, self._finished = self._finished, []
            self._signalled = False
        if not self._queue and self._spawn_timer is not None:  # nothing left to spawn for: no timer left pending
            self._spawn_timer.cancel()
            self._spawn_timer = None
        for future, result, error in finished:
            if future.done():
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
