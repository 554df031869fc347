"""The worker threads async invocations share: one pool for sync step bodies, one for checkpoint calls.

Process-wide and started on first use, so a warm Lambda environment (one invocation after another)
reuses its threads instead of starting new ones per invocation (a thread start costs as much as
many steps). Neither pool runs code that waits for another operation, so a cap cannot deadlock:
a step body never runs operations, and a checkpoint sender waits only for the service. Each
invocation waits for its own work in them before it reports (``AsyncRunner.drain``).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

BODY_WORKERS = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor's size
SENDER_WORKERS = 32  # one busy per invocation running at once in this process

_lock = threading.Lock()
_pools: dict[str, ThreadPoolExecutor] = {}


def shared_pool(kind: str) -> ThreadPoolExecutor:
    """The process's pool for ``kind`` (``"step"`` bodies or checkpoint ``"sender"``), started on first use."""
    pool = _pools.get(kind)
    if pool is None:
        with _lock:
            pool = _pools.get(kind)
            if pool is None:
                workers = BODY_WORKERS if kind == "step" else SENDER_WORKERS
                pool = _pools[kind] = ThreadPoolExecutor(workers, thread_name_prefix=f"durable-{kind}")
    return pool
