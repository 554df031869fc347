"""The emulator's clock: modelled time, timers on it, and the bookkeeping that keeps fact 5's order.

Modelled time is what histories record (a 5-minute wait lasts 5 minutes of modelled time);
wall time is what the machine spends. :class:`ScaledClock` runs modelled time ``time_scale``
times faster than the wall; :class:`SkippingClock` also jumps straight to the next timer
whenever no work is in flight (tests of long waits finish at once).

Ordering (conformance fact 5): the service arms a wait's timer only after writing the
invocation's ``InvocationCompleted``, and brackets every piece of work with
:meth:`Clock.work_started` / :meth:`Clock.work_finished`; a skipping clock only skips while
nothing is in flight, so a timer can never overtake the invocation that set it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)


class Timer(Protocol):
    """A handle on a scheduled callback."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Modelled time (epoch ms) and callbacks at modelled instants."""

    def now_ms(self) -> int:
        """The modelled time now, in epoch milliseconds."""
        ...

    def call_at(self, when_ms: int, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` (quickly: it runs on the clock's thread) once modelled time reaches ``when_ms``."""
        ...

    def wall_seconds(self, modelled_seconds: float) -> float:
        """How long ``modelled_seconds`` last on the wall."""
        ...

    def work_started(self) -> None:
        """Some work (an invocation, a timer's follow-up) is queued or running."""
        ...

    def work_finished(self) -> None:
        """The work announced by :meth:`work_started` is over (its timers are armed)."""
        ...

    def close(self) -> None: ...


_MIN_COMPACT = 1024


@dataclass(order=True)
class _Entry:
    when_ms: int
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ScaledClock:
    """Modelled time running ``time_scale`` times faster than wall time, from ``origin_ms``.

    ``origin_ms`` lets a restarted emulator continue from the latest instant its store has
    seen, so modelled time never runs backwards across restarts even when sped up.
    """

    def __init__(self, time_scale: float = 1.0, *, origin_ms: int | None = None) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, got {time_scale}")
        self.time_scale = time_scale
        self._wall_origin = time.monotonic()
        self._origin_ms = origin_ms if origin_ms is not None else int(time.time() * 1000)
        self._skipped_ms = 0
        self._heap: list[_Entry] = []
        self._compact_at = _MIN_COMPACT
        self._seq = itertools.count()
        self._busy = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="durable-clock", daemon=True)
        self._thread.start()

    def now_ms(self) -> int:
        elapsed = (time.monotonic() - self._wall_origin) * 1000 * self.time_scale
        return self._origin_ms + self._skipped_ms + int(elapsed)

    def wall_seconds(self, modelled_seconds: float) -> float:
        return modelled_seconds / self.time_scale

    def call_at(self, when_ms: int, callback: Callable[[], None]) -> Timer:
        entry = _Entry(when_ms, next(self._seq), callback)
        with self._cond:
            heapq.heappush(self._heap, entry)
            if len(self._heap) > self._compact_at:  # cancelled timers (an execution timeout after the end) go
                self._heap = [e for e in self._heap if not e.cancelled]
                heapq.heapify(self._heap)
                self._compact_at = max(_MIN_COMPACT, 2 * len(self._heap))
            self._cond.notify_all()
        return entry

    def pending_timers(self) -> int:
        """Timers in the heap, cancelled ones not yet dropped included (bounded: see :meth:`call_at`)."""
        with self._cond:
            return len(self._heap)

    def work_started(self) -> None:
        with self._cond:
            self._busy += 1

    def work_finished(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _may_skip(self) -> bool:
        return False

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._next_due()
                if due is None:
                    continue
                if self._closed:
                    return
            if not due.cancelled:
                try:
                    due.callback()
                except Exception:  # one broken callback must not stop every later timer
                    logger.exception("a timer callback of the emulator's clock failed")

    def _next_due(self) -> _Entry | None:
        """Wait (holding the condition) until an entry is due or the clock closes."""
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        if self._closed:
            return _Entry(0, 0, lambda: None)
        if not self._heap:
            self._cond.wait()
            return None
        head = self._heap[0]
        now = self.now_ms()
        if head.when_ms > now and self._may_skip():
            self._skipped_ms += head.when_ms - now
            now = head.when_ms
        if head.when_ms <= now:
            return heapq.heappop(self._heap)
        self._cond.wait(timeout=min(self.wall_seconds((head.when_ms - now) / 1000), 1.0))
        return None


class SkippingClock(ScaledClock):
    """A :class:`ScaledClock` that jumps to the next timer whenever no work is in flight."""

    def _may_skip(self) -> bool:
        return self._busy == 0
