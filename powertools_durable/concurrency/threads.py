"""The threads batch branches run on: a process-wide set of idle threads, reused across batches and invocations.

Starting a thread costs a hand-off of the interpreter to it and back (``Thread.start`` waits for it
to run), ~0.5 ms each on a loaded machine: a hundred of them delayed the first wave of a
``map(max_concurrency=100)`` by tens of ms. A warm Lambda keeps its process, so a thread that ran a
branch parks here and the next batch (this invocation's or a later one's) takes it instead of
starting one. There is no cap on running threads: a branch that runs a nested batch holds its thread
while the nested batch needs others, and a cap would deadlock it. Threads are daemons: a branch still
running when its batch completed (it stops at its next durable operation) never holds up the
interpreter's exit. Like any thread pool's, a thread's ``threading.local`` values outlive the branch
that set them (a later branch on the same thread sees them); ``contextvars`` do not (each branch runs
in its own copy of its caller's context). A forked child starts with no parked threads: they did not
survive the fork.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

Task = Callable[[], object]

IDLE_LIMIT = 256  # idle threads kept parked; a thread finding this many parked already ends

logger = logging.getLogger(__name__)


class _Parked:
    """An idle thread: it sleeps on ``wake`` (held while idle) until :func:`spawn` hands it ``task``."""

    __slots__ = ("task", "wake")

    def __init__(self) -> None:
        self.task: Task | None = None
        self.wake = threading.Lock()
        self.wake.acquire()


_lock = threading.Lock()
_idle: list[_Parked] = []  # last parked first: its stack and caches are the warmest
_started = 0  # threads ever started, for names


def spawn(task: Task) -> None:
    """Run ``task`` on an idle thread, or on a new one when none is idle; never waits for it."""
    global _started  # noqa: PLW0603 - the one process-wide pool
    with _lock:
        parked = _idle.pop() if _idle else None
        if parked is None:
            _started += 1
            number = _started
    if parked is not None:
        parked.task = task
        parked.wake.release()
        return
    threading.Thread(target=_run, args=(task,), name=f"durable-branch-{number}", daemon=True).start()


def idle_count() -> int:
    """How many threads are parked, waiting for a task."""
    with _lock:
        return len(_idle)


def started_count() -> int:
    """How many threads the pool ever started."""
    with _lock:
        return _started


def _forget_parked() -> None:
    """In a forked child: the parked threads stayed in the parent; handing them a task would hang it."""
    global _lock, _idle  # noqa: PLW0603 - the one process-wide pool
    _lock = threading.Lock()
    _idle = []


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_parked)


def _run(task: Task) -> None:
    """Thread body: run the task, park, run the next one handed over, until too many are parked."""
    parked = _Parked()
    while True:
        try:
            task()
        except BaseException:  # tasks report their own outcome; this only keeps the thread alive
            logger.exception("a batch branch task raised")
        with _lock:
            if len(_idle) >= IDLE_LIMIT:
                return
            _idle.append(parked)
        parked.wake.acquire()
        task = parked.task  # type: ignore[assignment]
        parked.task = None
