"""Makes a long step visible while it runs: its START is sent once the body has run for a short window.

An at-least-once step's START is queued to ride with its outcome, so a fast step costs one
checkpoint call. A body that runs longer than the window (``POWERTOOLS_DURABLE_STEP_START_AFTER_MS``,
default 5 ms) gets its queued START flushed in the background, so the history shows the step while
it runs, and a process that dies mid-step leaves its StepStarted behind (conformance 3-12).

One daemon thread per process watches every running step; it is started on first use. Watching a
fast step costs a dict insert and delete under a lock, and no wake-up of the thread: after the last
step ended the thread keeps waking once per window for :data:`LINGER_SECONDS` (its next wake is then
never later than a new step's deadline, so a step does not need to wake it), then sleeps until a
step starts. Waking it for every step cost a thread switch per step (~40 µs per map item).
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time

from powertools_durable.exceptions import InvocationError
from powertools_durable.replay.checkpointer import Checkpointer

ENV_STEP_START_AFTER_MS = "POWERTOOLS_DURABLE_STEP_START_AFTER_MS"
DEFAULT_STEP_START_AFTER_MS = 5.0
LINGER_SECONDS = 1.0  # how long the thread keeps waking once per window after the last step ended

logger = logging.getLogger(__name__)


def start_window_seconds() -> float | None:
    """The window after which a running step's START is sent; ``None`` when turned off (a negative value)."""
    raw = os.environ.get(ENV_STEP_START_AFTER_MS, "").strip()
    try:
        millis = float(raw) if raw else DEFAULT_STEP_START_AFTER_MS
    except ValueError:
        logger.warning(
            "%s=%r is not a number of milliseconds; using %s", ENV_STEP_START_AFTER_MS, raw, DEFAULT_STEP_START_AFTER_MS
        )
        millis = DEFAULT_STEP_START_AFTER_MS
    return None if millis < 0 else millis / 1000


class StartWatch:
    """Flushes a step's checkpointer when its body outlives its window."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._running: dict[int, tuple[float, Checkpointer]] = {}
        self._keys = itertools.count()
        self._wake_at: float | None = None  # when the thread wakes next; None: idle, waiting for a step
        self._period = 0.0  # the latest window watched: how often the thread wakes while it lingers
        self._latest = 0.0  # the deadline of the latest step watched
        self._thread: threading.Thread | None = None

    def watch(self, checkpointer: Checkpointer, window: float) -> int:
        """Start watching a step whose START is queued on ``checkpointer``; returns the key for :meth:`done`."""
        with self._cond:
            deadline = time.monotonic() + window  # under the lock: never before a lingering thread's next wake
            self._period, self._latest = window, deadline
            key = next(self._keys)
            self._running[key] = (deadline, checkpointer)
            if self._wake_at is None or deadline < self._wake_at:
                self._wake_at = deadline
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._loop, name="powertools-durable-start-watch", daemon=True
                    )
                    self._thread.start()
                else:
                    self._cond.notify()
        return key

    def done(self, key: int) -> None:
        """The step's body returned or raised: nothing to flush for it any more."""
        with self._cond:
            self._running.pop(key, None)

    def _loop(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                due = {id(cp): cp for key, (deadline, cp) in list(self._running.items()) if deadline <= now}
                if due:
                    self._running = {k: v for k, v in self._running.items() if id(v[1]) not in due}
                    self._cond.release()
                    try:
                        for checkpointer in due.values():
                            _flush_quietly(checkpointer)
                    finally:
                        self._cond.acquire()
                    continue
                if self._running:
                    self._wake_at = min(deadline for deadline, _ in self._running.values())
                    self._cond.wait(self._wake_at - now)
                elif now - self._latest < LINGER_SECONDS:
                    period = max(self._period, 0.001)
                    self._wake_at = now + period  # not later than the deadline of a step watched from now on
                    self._cond.wait(period)
                else:
                    self._wake_at = None
                    self._cond.wait()


def _flush_quietly(checkpointer: Checkpointer) -> None:
    """Send what is queued; a failure is the checkpointer's to report to the step, not this thread's."""
    try:
        checkpointer.flush()
    except InvocationError:
        pass
    except Exception:  # never let the watcher die: later steps still need it
        logger.debug("background START flush failed", exc_info=True)


WATCH = StartWatch()
