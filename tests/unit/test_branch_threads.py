"""The process-wide pool of branch threads: tasks run, threads park and are reused, nothing is capped."""

from __future__ import annotations

import os
import threading
import warnings

import pytest

from powertools_durable.concurrency import threads


def _run_all(count: int, barrier: threading.Barrier | None = None) -> set[int]:
    """Run ``count`` tasks at once; the idents of the threads they ran on."""
    idents: set[int] = set()
    lock = threading.Lock()
    done = threading.Semaphore(0)

    def task() -> None:
        if barrier is not None:
            barrier.wait(30)  # all tasks run at the same time: each needs a thread of its own
        with lock:
            idents.add(threading.get_ident())
        done.release()

    for _ in range(count):
        threads.spawn(task)
    for _ in range(count):
        assert done.acquire(timeout=30)
    return idents


def _wait_parked(at_least: int) -> None:
    for _ in range(3000):
        if threads.idle_count() >= at_least:
            return
        threading.Event().wait(0.001)
    raise AssertionError(f"fewer than {at_least} threads parked")


def test_tasks_that_block_on_each_other_each_get_a_thread():
    # GIVEN 20 tasks that all wait for one another (a cap below 20 would deadlock them)
    barrier = threading.Barrier(20)
    # WHEN they are spawned / THEN all ran, on 20 distinct threads
    assert len(_run_all(20, barrier)) == 20


def test_threads_park_when_idle_and_the_next_tasks_reuse_them():
    # GIVEN threads that ran tasks and parked
    _run_all(8, threading.Barrier(8))
    _wait_parked(8)
    started = threads.started_count()
    # WHEN as many tasks are spawned again
    second = _run_all(8, threading.Barrier(8))
    # THEN they ran on parked threads: no new thread was started for them
    assert threads.started_count() == started
    assert len(second) == 8


def test_a_task_that_raises_does_not_kill_its_thread():
    # GIVEN a task that raises
    failed = threading.Event()

    def bad() -> None:
        failed.set()
        raise RuntimeError("boom")

    before = threads.idle_count()
    threads.spawn(bad)
    assert failed.wait(30)
    # THEN its thread parks again, ready for the next task
    _wait_parked(max(1, before))
    assert len(_run_all(1)) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_child_starts_its_own_threads_instead_of_waking_the_parents_parked_ones():
    # GIVEN parked threads in this process
    _run_all(2, threading.Barrier(2))
    _wait_parked(2)
    # WHEN a forked child runs a task / THEN it ran (a parked thread of the parent would never wake)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork of a multi-threaded process
        pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the task ran within 30 s
        ran = threading.Event()
        threads.spawn(ran.set)
        os._exit(0 if ran.wait(30) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
