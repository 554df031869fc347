"""Sync step bodies on worker threads: every result and error back on the loop; blocking bodies side by side."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

import pytest

from powertools_durable.aio.bodies import BodyRunner


def run_bodies(bodies: list[Any]) -> list[Any]:
    """Submit ``bodies`` (callables) at once; their outcomes, in submission order, and the worker jobs awaited."""
    jobs: list[Future[Any]] = []

    async def main() -> list[Any]:
        runner = BodyRunner(asyncio.get_running_loop(), jobs.append)
        futures = [runner.submit(body) for body in bodies]
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        await asyncio.gather(*(asyncio.wrap_future(job) for job in jobs))
        return outcomes

    return asyncio.run(main())


def test_every_result_and_error_comes_back_to_its_own_awaiter():
    # GIVEN fifty quick bodies, every seventh failing
    def body(n: int) -> Any:
        def run() -> int:
            if n % 7 == 0:
                raise ValueError(f"body {n}")
            return n * 2

        return run

    # WHEN they run
    outcomes = run_bodies([body(n) for n in range(50)])

    # THEN each awaiter got its own body's result, or its error
    for n, outcome in enumerate(outcomes):
        if n % 7 == 0:
            assert isinstance(outcome, ValueError)
            assert str(outcome) == f"body {n}"
        else:
            assert outcome == n * 2


def test_bodies_that_block_get_workers_of_their_own():
    # GIVEN three bodies that can only finish together (each waits for the other two)
    barrier = threading.Barrier(3, timeout=30)
    threads: set[str] = set()

    def body() -> str:
        threads.add(threading.current_thread().name)
        barrier.wait()
        return "met"

    # WHEN they run
    outcomes = run_bodies([body, body, body])

    # THEN they ran side by side on three threads (one worker alone would have broken the barrier)
    assert outcomes == ["met", "met", "met"]
    assert len(threads) == 3


def test_a_body_that_raises_a_base_exception_hands_it_to_its_awaiter():
    # GIVEN a body that raises KeyboardInterrupt-like BaseException
    class Stop(BaseException):
        pass

    def body() -> None:
        raise Stop

    # WHEN it runs / THEN its awaiter receives it
    jobs: list[Future[Any]] = []

    async def main() -> None:
        runner = BodyRunner(asyncio.get_running_loop(), jobs.append)
        with pytest.raises(Stop):
            await runner.submit(body)

    asyncio.run(main())
