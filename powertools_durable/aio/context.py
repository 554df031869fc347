"""``AsyncDurableContext``: what an ``async def`` durable handler receives; its operations are awaitable.

Each operation takes its id when it is *called* (synchronously, in call order), not when it is
first awaited, so ``asyncio.gather(ctx.step(a), ctx.step(b))`` gives ``a`` and ``b`` the same ids
on every replay, and the same ids sync code gives two sequential steps. The operation's decisions
are the sync one's (``operations/*``, a generator of effects) driven on the loop
(:mod:`powertools_durable.aio.driver`): checkpoints, replay, retries and suspension are those of
sync code. ``parallel``, ``map``, virtual children, and coroutine bodies under plugins (whose hooks
are per thread) run the sync operation on a worker thread of :class:`AsyncRunner` instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from powertools_durable.aio import native
from powertools_durable.aio.driver import drive_async, is_async_function
from powertools_durable.config import CallbackConfig, ChildConfig, Duration, InvokeConfig, StepConfig
from powertools_durable.current import current_context
from powertools_durable.exceptions import DurableContextNotFoundError
from powertools_durable.operations.batch import run_map, run_parallel
from powertools_durable.operations.callback import Callback
from powertools_durable.operations.child import run_child
from powertools_durable.operations.step import run_step
from powertools_durable.operations.wait_for_callback import run_wait_for_callback
from powertools_durable.service.wire import OperationStatus

if TYPE_CHECKING:
    from powertools_durable.aio.runner import AsyncRunner
    from powertools_durable.concurrency.batch import BatchResult
    from powertools_durable.concurrency.config import MapConfig, ParallelConfig
    from powertools_durable.config import WaitForCallbackConfig
    from powertools_durable.context import DurableContext, OperationHandle
    from powertools_durable.operations.wait_for_condition import WaitForConditionConfig
    from powertools_durable.types import StepContext

T = TypeVar("T")
U = TypeVar("U")


# The AsyncDurableContext whose code runs now (the handler's, or the innermost child's): read by
# get_async_durable_context and by integrations that are not handed it (powertools_durable.ai).
current_async_context: ContextVar[AsyncDurableContext | None] = ContextVar("powertools_durable_async", default=None)


def get_async_durable_context() -> AsyncDurableContext:
    """The :class:`AsyncDurableContext` of the running async handler, from anywhere in its call stack.

    The async twin of :func:`~powertools_durable.get_durable_context` (which returns the sync context,
    ``get_async_durable_context().sync``, in async code too: Powertools and sync helpers rely on it).
    Inside ``run_in_child_context``, ``parallel`` branches and ``map`` iterations it is the child's.

    Raises
    ------
    DurableContextNotFoundError
        Outside an async durable handler (in a sync one, use ``get_durable_context()``).
    """
    ctx = current_async_context.get()
    if ctx is not None:
        return ctx
    if current_context.get() is not None:
        raise DurableContextNotFoundError(
            "get_async_durable_context() was called from a sync durable handler: use get_durable_context()"
        )
    raise DurableContextNotFoundError(
        "get_async_durable_context() was called outside a durable handler: decorate an async def handler "
        "with @durable_handler (or @durable_execution)"
    )


class AsyncCallback(Generic[T]):
    """A callback created by ``await context.create_callback()``; ``await result()`` suspends until answered."""

    def __init__(self, callback: Callback[T]) -> None:
        self.sync = callback
        self.callback_id = callback.callback_id
        self.operation_id = callback.operation_id

    async def result(self) -> T | None:
        """The external system's answer (see :meth:`Callback.result`); reading it does no I/O."""
        return self.sync.result()


class AsyncDurableContext:
    """The awaitable operations of one execution; ``sync`` is the :class:`DurableContext` underneath.

    Everything not defined here (``logger``, ``state``, ``lambda_context``, ``is_replaying()``,
    ``now()``, ...) is the sync context's.
    """

    def __init__(self, ctx: DurableContext, runner: AsyncRunner) -> None:
        self.sync = ctx
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sync, name)

    def _pinned(self) -> DurableContext:
        """The sync context as the operation called now sees it: its id taken now, its bodies awaited on the loop."""
        return cast("DurableContext", _PinnedContext(self.sync, self.sync.reserve_operation(), self._runner))

    def _replayed(self, run: Callable[..., T], *args: Any) -> Awaitable[T]:
        """Run the sync operation on a worker thread; on the loop itself when its checkpoint settles it.

        A step or wait whose recorded status decides its outcome (a result, an error, a suspension)
        does no I/O and runs no user code on replay: it needs no thread hop.
        """
        pinned = self._pinned()
        recorded = self.sync.state.get(cast("_PinnedContext", pinned).op_id)
        if recorded is not None and recorded.get("Status") not in _RUNNABLE:
            return _inline(run, pinned, *args)
        return self._runner.run(run, pinned, *args)

    def _child(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func(async_child, *rest)`` as the sync operations call it (``f(sync_child, *rest)``), run on the loop."""
        runner = self._runner

        def call(child: DurableContext, *rest: Any) -> Any:
            async_child = AsyncDurableContext(child, runner)
            token = current_async_context.set(async_child)  # copied into the task that runs func's coroutine
            try:
                return runner.call(func, async_child, *rest)
            finally:
                current_async_context.reset(token)

        return _named_like(call, func)

    def _native(self) -> bool:
        """Operations run on the loop (step, wait, child) unless plugins hook a coroutine body (see ``step``)."""
        return self.sync.state.plugins is None

    def step(
        self, func: Callable[[StepContext], T | Awaitable[T]], name: str | None = None, config: StepConfig | None = None
    ) -> Awaitable[T]:
        """A checkpointed step; an ``async def`` ``func`` runs on the loop, a plain ``def`` on a worker thread.

        With plugins (``durable_handler(logger=, tracer=, metrics=)``), whose user-function hooks are
        synchronous and per thread (a Tracer subsegment), an ``async def`` body keeps a worker thread
        of its own for its hooks while it runs on the loop; a plain ``def`` body's thread is that.
        """
        if self._native() or not is_async_function(func):
            return native.step(self._pinned(), func, name, config, self._runner)
        runner = self._runner
        resolving = _named_like(lambda step_context: runner.resolve(func(step_context)), func)
        return self._replayed(run_step, resolving, name, config)

    def wait(self, duration: Duration, name: str | None = None) -> Awaitable[None]:
        """Suspend the execution for ``duration`` without compute."""
        return native.wait(self._pinned(), duration, name, self._runner)

    def run_in_child_context(
        self,
        func: Callable[[AsyncDurableContext], Awaitable[T] | T],
        name: str | None = None,
        config: ChildConfig[Any] | None = None,
    ) -> Awaitable[T]:
        """Run ``func(async_child_context)`` as one CONTEXT operation and return its result (on the loop)."""
        if self._native() and not (config is not None and config.is_virtual):
            return native.child(self._pinned(), self._child_on_loop(func), name, config, self._runner)
        return self._runner.run(run_child, self._pinned(), self._child(func), name, config)

    def _child_on_loop(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func(async_child)`` as a coroutine function of the sync child context (awaited on the loop)."""
        runner = self._runner

        async def call(child: DurableContext) -> Any:
            async_child = AsyncDurableContext(child, runner)
            token = current_async_context.set(async_child)
            try:
                value = func(async_child)
                return (await value) if inspect.isawaitable(value) else value
            finally:
                current_async_context.reset(token)

        return _named_like(call, func)

    def create_callback(
        self, name: str | None = None, config: CallbackConfig | None = None
    ) -> Awaitable[AsyncCallback[Any]]:
        """Create a callback an external system answers (its START is acknowledged before the await returns)."""
        return _as_async_callback(native.create_callback(self._pinned(), name, config, self._runner))

    def wait_for_callback(
        self,
        submitter: Callable[[str, Any], Any],
        name: str | None = None,
        config: WaitForCallbackConfig | None = None,
    ) -> Awaitable[Any]:
        """Create a callback, hand its id to ``submitter`` (sync or ``async def``) and wait for the answer.

        Recorded as in sync code: a child context holding the callback and the submitter as a step
        (on the loop; with plugins, on a worker thread, as ``run_in_child_context``).
        """
        runner = self._runner
        if self._native():
            return native.wait_for_callback(self._pinned(), submitter, name, config, self, runner)
        resolving = _named_like(lambda callback_id, context: runner.call(submitter, callback_id, context), submitter)
        return runner.run(run_wait_for_callback, self._pinned(), resolving, name, config)

    def wait_for_condition(
        self, check: Callable[[T, Any], T | Awaitable[T]], config: WaitForConditionConfig[T], name: str | None = None
    ) -> Awaitable[T]:
        """Poll ``check`` (sync or ``async def``) until the wait strategy stops, suspending between polls.

        On the loop, as ``step``: an ``async def`` check runs there, a plain ``def`` one on a worker thread.
        """
        from powertools_durable.operations.wait_for_condition import (  # noqa: PLC0415
            run_wait_for_condition,
            wait_for_condition_core,
        )

        runner = self._runner
        if self._native() or not is_async_function(check):
            core = wait_for_condition_core(self._pinned(), check, config, name)  # type: ignore[arg-type]  # a coroutine result is awaited by the driver
            return drive_async(core, self.sync.state, runner)
        resolving = _named_like(lambda state, context: runner.resolve(check(state, context)), check)
        return runner.run(run_wait_for_condition, self._pinned(), resolving, config, name)

    def invoke(
        self, function_name: str, payload: Any, name: str | None = None, config: InvokeConfig[Any, T] | None = None
    ) -> Awaitable[T]:
        """Invoke another Lambda function and return its result; suspends until it finishes."""
        return native.invoke(self._pinned(), function_name, payload, name, config, self._runner)

    def parallel(
        self,
        functions: Sequence[Callable[[AsyncDurableContext], Any]],
        name: str | None = None,
        config: ParallelConfig | None = None,
    ) -> Awaitable[BatchResult[Any]]:
        """Run each ``f(async_child_context)`` concurrently in its own child context."""
        from powertools_durable.concurrency.config import ParallelBranch  # noqa: PLC0415

        branches = [
            ParallelBranch(self._child(f.func), f.name) if isinstance(f, ParallelBranch) else self._child(f)
            for f in functions
        ]
        return self._runner.run(run_parallel, self._pinned(), branches, name, config)

    def map(
        self,
        inputs: Sequence[U],
        func: Callable[[AsyncDurableContext, U, int, Sequence[U]], Any],
        name: str | None = None,
        config: MapConfig[U] | None = None,
    ) -> Awaitable[BatchResult[Any]]:
        """Run ``func(async_child_context, item, index, inputs)`` for every item concurrently."""
        return self._runner.run(run_map, self._pinned(), inputs, self._child(func), name, config)


class _PinnedContext:
    """A sync context whose next ``begin_operation`` claims the id reserved when the async operation was called."""

    def __init__(self, ctx: DurableContext, op_id: str, runner: AsyncRunner) -> None:
        self._ctx = ctx
        self.op_id = op_id
        self._begun = False
        self.state = ctx.state  # read several times per operation: not through __getattr__
        self.default_serdes = ctx.default_serdes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    def begin_operation(self, op_type: str, sub_type: str, name: str | None) -> OperationHandle:
        if self._begun:  # each async operation is one sync operation: a second would need an id of its own
            raise RuntimeError("an async operation began two operations on its pinned context")
        self._begun = True
        return self._ctx.claim_operation(self.op_id, op_type, sub_type, name)


# A step checkpointed STARTED or READY runs its next attempt: user code, and checkpoints.
_RUNNABLE = frozenset({OperationStatus.STARTED, OperationStatus.READY})


async def _inline(run: Callable[..., T], *args: Any) -> T:
    return run(*args)


async def _as_async_callback(created: Awaitable[Callback[T]]) -> AsyncCallback[T]:
    return AsyncCallback(await created)


def _named_like(call: Callable[..., T], func: Callable[..., Any]) -> Callable[..., T]:
    """``call`` carrying what the operations read off ``func``: its durable name and its declared return type."""
    call._original_name = getattr(func, "_original_name", None)  # type: ignore[attr-defined]
    call._original_func = getattr(func, "_original_func", func)  # type: ignore[attr-defined]
    return call
