"""The worker threads of one batch: at most ``size``, started as branches arrive, fed from one queue.

Lighter than ``concurrent.futures.ThreadPoolExecutor`` for what a batch needs: a branch reports its
outcome as an event of its own, so no ``Future`` (with its condition and lock) is built per branch,
which was a tenth of a 1,000-item map's CPU. Threads are daemons: a branch still running when its
batch completed (it stops at its next durable operation) never holds up the interpreter's exit.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

Task = Callable[[], object]


class BranchThreads:
    """Runs tasks on up to ``size`` threads; :meth:`shutdown` returns the tasks that never started."""

    def __init__(self, size: int, name: str = "durable-branch") -> None:
        self._size = max(1, size)
        self._name = name
        self._tasks: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._threads = 0

    def submit(self, task: Task) -> None:
        self._tasks.put(task)
        if self._threads < self._size:
            self._threads += 1
            threading.Thread(target=self._run, name=f"{self._name}-{self._threads}", daemon=True).start()

    def shutdown(self) -> list[Task]:
        """Stop the threads once their current task ends; return the queued tasks none of them took."""
        never_started: list[Task] = []
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                never_started.append(task)
        for _ in range(self._threads):
            self._tasks.put(None)
        return never_started

    def _run(self) -> None:
        while (task := self._tasks.get()) is not None:
            task()
