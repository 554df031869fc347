"""Drives an operation's effects (:mod:`powertools_durable.operations.effects`) on the event loop.

The operation's decisions are the sync ones, the same generator :func:`~powertools_durable.operations.effects.drive`
runs; here a commit is an ``await`` on the loop's group commit (:mod:`.commit`) and a user function is:

- ``async def`` (or returns an awaitable): awaited on the loop, in the calling task;
- plain ``def``: called on a worker thread, so blocking code in a step does not block the loop
  (the loop keeps running other tasks while it runs); what it returns is then back on the loop.
  A thread cannot be interrupted: a task cancelled while its body runs (the handler ended, an
  ``asyncio.wait_for``) waits for the body and checkpoints its outcome, as a sync step would.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.current import entered
from powertools_durable.operations.effects import Commit, Core, RunBody

if TYPE_CHECKING:
    from powertools_durable.aio.commit import LoopCommitter
    from powertools_durable.replay.state import ExecutionState

T = TypeVar("T")
Offload = Callable[..., Awaitable[Any]]


async def drive_async(core: Core[T], state: ExecutionState, committer: LoopCommitter, offload: Offload) -> T:
    """Run ``core`` to its end on the loop; a failed effect is thrown back in where the operation yielded."""
    send: Any = None
    try:
        effect = core.send(None)
        while True:
            try:
                if effect.__class__ is Commit:
                    await committer.commit(effect.updates)
                    send = None
                else:
                    send = await _run_body(effect, state, committer, offload)  # type: ignore[arg-type]
            except BaseException as exc:
                effect = core.throw(exc)
                continue
            effect = core.send(send)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _run_body(effect: RunBody, state: ExecutionState, committer: LoopCommitter, offload: Offload) -> Any:
    from powertools_durable.replay.start_watch import WATCH  # noqa: PLC0415 - loaded by the step already

    committer.body_started()
    try:
        if effect.guard and state.step_guard is not None:
            state.step_guard(effect.op)
        func = effect.func
        if effect.enter is not None:
            with entered(effect.enter):
                return await _resolved(func(effect.arg))
        if is_async_function(func):
            return await _resolved(func(effect.arg))
        running = offload(contextvars.copy_context().run, func, effect.arg)
        try:
            value = await asyncio.shield(running)
        except asyncio.CancelledError:
            value = await running  # a thread cannot be stopped: the step finishes and records its outcome
        return await _resolved(value)
    finally:
        committer.body_ended()
        if effect.watch is not None:
            WATCH.done(effect.watch)


async def _resolved(value: Any) -> Any:
    return (await value) if inspect.isawaitable(value) else value


def is_async_function(func: Callable[..., Any]) -> bool:
    """``async def`` (or a ``durable_step``/``partial`` of one): it runs on the loop, never on a thread."""
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, "_original_func", None))
