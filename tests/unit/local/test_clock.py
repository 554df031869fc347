"""Clocks: scaled modelled time, timers, and skipping only while nothing is in flight."""

from __future__ import annotations

import threading
import time

from powertools_durable.local.clock import ScaledClock, SkippingClock


def test_scaled_clock_runs_modelled_time_faster() -> None:
    clock = ScaledClock(100, origin_ms=0)
    try:
        fired = threading.Event()
        clock.call_at(5_000, fired.set)  # 5 modelled seconds = 50 ms of wall time
        assert fired.wait(2)
        assert clock.now_ms() >= 5_000
        assert clock.wall_seconds(10) == 0.1
    finally:
        clock.close()


def test_cancelled_timer_does_not_fire() -> None:
    clock = ScaledClock(1000, origin_ms=0)
    try:
        fired, later = threading.Event(), threading.Event()
        clock.call_at(100, fired.set).cancel()
        clock.call_at(200, later.set)
        assert later.wait(2)
        assert not fired.is_set()
    finally:
        clock.close()


def test_skipping_clock_jumps_to_the_next_timer_when_idle() -> None:
    clock = SkippingClock(1, origin_ms=0)
    try:
        fired = threading.Event()
        started = time.monotonic()
        clock.call_at(3_600_000, fired.set)  # an hour of modelled time
        assert fired.wait(2)
        assert time.monotonic() - started < 1
        assert clock.now_ms() >= 3_600_000
    finally:
        clock.close()


def test_skipping_clock_waits_while_work_is_in_flight() -> None:
    # GIVEN an invocation in flight that set a timer (fact 5: it must fire after the invocation ends)
    clock = SkippingClock(1, origin_ms=0)
    try:
        fired = threading.Event()
        clock.work_started()
        clock.call_at(3_600_000, fired.set)
        # THEN the clock does not skip while it runs
        assert not fired.wait(0.3)
        # WHEN the work ends, it skips
        clock.work_finished()
        assert fired.wait(2)
    finally:
        clock.close()


def test_a_failing_callback_does_not_stop_the_clock() -> None:
    clock = ScaledClock(1000, origin_ms=0)
    try:
        fired = threading.Event()

        def broken() -> None:
            raise RuntimeError("boom")

        clock.call_at(10, broken)
        clock.call_at(20, fired.set)
        assert fired.wait(2)
    finally:
        clock.close()


def test_the_clock_drops_cancelled_timers() -> None:
    # GIVEN a clock with many timers far in the future, all cancelled (execution timeouts after their ends)
    clock = ScaledClock()
    try:
        for i in range(5000):
            clock.call_at(clock.now_ms() + 86_400_000 + i, lambda: None).cancel()
        # THEN the heap does not keep all of them
        assert clock.pending_timers() <= 2048
    finally:
        clock.close()
