"""The event loop of one async invocation, its checkpoint sender, and its worker threads.

Most operations run on the loop (:mod:`powertools_durable.aio.driver`), their checkpoints awaited
through the loop's group commit (:mod:`powertools_durable.aio.commit`), and a plain ``def`` step
body on a shared worker thread. ``parallel``, ``map``, virtual children and coroutine bodies under
plugins run the sync operation's code on a worker thread of the invocation (:meth:`AsyncRunner.run`),
a coroutine they must run sent back to the loop while that thread waits; their checkpoints share
the same checkpointer, so the calls are shared too.

When the handler's coroutine ends (returned, raised or suspended), tasks it left behind are
cancelled (one that had not started yet never runs its operation) and every worker thread is
awaited before the invocation reports, so nothing is checkpointed after the invocation returned.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import CancelledError as FutureCancelledError
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.aio.bodies import BodyRunner
from powertools_durable.aio.pools import shared_pool
from powertools_durable.exceptions import SuspendExecution

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext
    from powertools_durable.replay.checkpointer import Checkpointer

T = TypeVar("T")

# One thread per operation in flight, started only as needed and reused once idle. No real cap: an
# operation holding a thread (a child context whose coroutine runs) may wait for operations queued
# behind it, and a capped pool would deadlock on a wide enough gather of child contexts.
MAX_WORKERS = 1 << 20
AsyncHandler = Callable[[Any, Any], Awaitable[Any]]


class AsyncRunner:
    """The loop and worker threads of one invocation."""

    def __init__(self, loop: asyncio.AbstractEventLoop, checkpointer: Checkpointer) -> None:
        from powertools_durable.aio.commit import LoopCommitter  # noqa: PLC0415 - import cycle

        self.loop = loop
        self._checkpointer = checkpointer
        self._pool: ThreadPoolExecutor | None = None  # operations still run on threads, started on first use
        self._lock = threading.Lock()
        self._closed = False
        self._threads: set[Future[Any]] = set()
        self._bodies = BodyRunner(loop, self._track)
        self.committer = LoopCommitter(loop, checkpointer, self._offload, lambda: not self._threads)

    @property
    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="durable-async")
        return self._pool

    def _offload(self, func: Callable[..., T], *args: Any) -> Awaitable[T]:
        """``func(*args)`` on a shared sender thread (a checkpoint call); :meth:`drain` waits for it."""
        return self._tracked(shared_pool("sender").submit(func, *args))

    def offload_body(self, func: Callable[..., T], *args: Any) -> Awaitable[T]:
        """A sync step body on a worker thread (see :mod:`.bodies`); :meth:`drain` waits for it."""
        return self._bodies.submit(func, *args)

    def _track(self, future: Future[Any]) -> None:
        self._threads.add(future)
        future.add_done_callback(self._threads.discard)

    def _tracked(self, future: Future[T]) -> Awaitable[T]:
        self._track(future)
        return asyncio.wrap_future(future, loop=self.loop)

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Await ``func(*args)`` run on a worker thread, with this task's context variables."""
        run = contextvars.copy_context().run
        self._checkpointer.join()  # a concurrent committer: a leader may wait a moment for its updates
        try:
            future = self._executor.submit(self._participant, run, func, *args)
        except BaseException:
            self._checkpointer.leave()
            raise
        return await self._tracked(future)

    def _participant(self, run: Callable[..., T], func: Callable[..., T], *args: Any) -> T:
        try:
            return run(func, *args)
        finally:
            self._checkpointer.leave()

    def resolve(self, value: Any) -> Any:
        """On a worker thread: ``value``, or what it resolves to when it is awaitable (awaited on the loop)."""
        if not inspect.isawaitable(value):
            return value
        with self._lock:
            if self._closed:
                _discard(value)
                raise SuspendExecution("the async handler ended while an operation was still running")
            future = asyncio.run_coroutine_threadsafe(_awaited(value), self.loop)
        try:
            return future.result()
        except FutureCancelledError:
            raise SuspendExecution("the async handler ended while an operation was still running") from None

    def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """On a worker thread: ``func(*args)``, awaited on the loop when it returns an awaitable."""
        return self.resolve(func(*args))

    def drain(self) -> None:
        """After the handler's coroutine ended: cancel its leftover tasks and wait for every worker thread."""
        with self._lock:
            self._closed = True
        while True:
            tasks = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
            for task in tasks:
                task.cancel()
            threads = [asyncio.wrap_future(future, loop=self.loop) for future in list(self._threads)]
            if not tasks and not threads:
                break
            self.loop.run_until_complete(asyncio.gather(*tasks, *threads, return_exceptions=True))
        if self._pool is not None:
            self._pool.shutdown(wait=True)


async def _awaited(value: Awaitable[T]) -> T:
    return await value


def _discard(value: Any) -> None:
    if inspect.iscoroutine(value):
        value.close()  # never awaited, on purpose: no "never awaited" warning


def run_async_handler(handler: AsyncHandler, user_input: Any, ctx: DurableContext) -> Any:
    """Run ``handler(user_input, AsyncDurableContext)`` to its end on a new event loop.

    Lambda calls handlers from synchronous code; a caller already inside a running loop (a test,
    a local runner written with asyncio) gets the handler's loop on a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_on_new_loop(handler, user_input, ctx)
    with ThreadPoolExecutor(1, thread_name_prefix="durable-loop") as pool:
        return pool.submit(contextvars.copy_context().run, _run_on_new_loop, handler, user_input, ctx).result()


def _run_on_new_loop(handler: AsyncHandler, user_input: Any, ctx: DurableContext) -> Any:
    from powertools_durable.aio.context import AsyncDurableContext, current_async_context  # noqa: PLC0415

    loop = asyncio.new_event_loop()
    runner = AsyncRunner(loop, ctx.state.checkpointer)
    try:
        async_ctx = AsyncDurableContext(ctx, runner)
        coroutine: Coroutine[Any, Any, Any] = _as_coroutine(handler(user_input, async_ctx))
        context = contextvars.copy_context()
        context.run(current_async_context.set, async_ctx)
        task = loop.create_task(coroutine, context=context)
        try:
            return loop.run_until_complete(task)
        finally:
            runner.drain()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _as_coroutine(value: Awaitable[T]) -> Coroutine[Any, Any, T]:
    return value if inspect.iscoroutine(value) else _awaited(value)
