"""The start watch: a queued START is flushed once its step outlives the window; steps do not wake the watcher each."""

from __future__ import annotations

import threading
import time
from typing import cast

from powertools_durable.replay.checkpointer import Checkpointer
from powertools_durable.replay.start_watch import StartWatch


class FlushRecorder:
    """Stands in for a checkpointer: records flushes."""

    def __init__(self) -> None:
        self.flushed = threading.Event()

    def flush(self) -> None:
        self.flushed.set()


def _lingering(watch: StartWatch) -> bool:
    with watch._cond:
        return not watch._running and watch._wake_at is not None


def test_a_step_that_outlives_the_window_is_flushed() -> None:
    watch = StartWatch()
    checkpointer = FlushRecorder()
    key = watch.watch(cast("Checkpointer", checkpointer), 0.002)
    try:
        assert checkpointer.flushed.wait(5), "the START of a long step was never flushed"
    finally:
        watch.done(key)


def test_a_quick_step_is_not_flushed() -> None:
    watch = StartWatch()
    checkpointer = FlushRecorder()
    watch.done(watch.watch(cast("Checkpointer", checkpointer), 0.05))
    assert not checkpointer.flushed.wait(0.1)


def test_steps_after_the_first_do_not_wake_the_lingering_watcher() -> None:
    watch = StartWatch()
    watch.done(watch.watch(cast("Checkpointer", FlushRecorder()), 0.002))
    time.sleep(0.02)  # the step's deadline passed long ago; well within the watcher's lingering second
    assert _lingering(watch), "the watcher went idle right after the step: the next step must wake it"

    notified: list[int] = []
    original = watch._cond.notify

    def notify(n: int = 1) -> None:
        notified.append(n)
        original(n)

    watch._cond.notify = notify  # type: ignore[method-assign]
    long_step = FlushRecorder()
    key = watch.watch(cast("Checkpointer", long_step), 0.002)
    try:
        assert long_step.flushed.wait(5), "a step watched while the watcher lingered was never flushed"
    finally:
        watch.done(key)
    assert notified == []
