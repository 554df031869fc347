"""A skipping clock that waits for the test to answer a callback before it jumps ahead.

Tests skip modelled time (a 2-day wait takes no time), but a test that answers a callback
needs the callback to stay open until it has: while ``held()`` is true (the emulator says so
while an execution the test started with ``run_async`` has a callback pending and the test has
not yet asked for its result), the clock runs at its normal speed instead of jumping to the
next timer. Once the test waits for the result, skipping resumes, so an unanswered callback
times out at once.
"""

from __future__ import annotations

from collections.abc import Callable

from powertools_durable.local.clock import SkippingClock


class HoldingClock(SkippingClock):
    """A :class:`SkippingClock` that does not skip while :attr:`held` returns true."""

    def __init__(self, time_scale: float = 1.0, *, origin_ms: int | None = None) -> None:
        self.held: Callable[[], bool] = lambda: False  # set before the clock's thread starts
        super().__init__(time_scale, origin_ms=origin_ms)

    def _may_skip(self) -> bool:
        return super()._may_skip() and not self.held()

    def wake(self) -> None:
        """Look at the next timer again (what ``held`` says has changed)."""
        self.work_started()
        self.work_finished()
