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
from inspect import CO_COROUTINE
from types import CoroutineType
from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.current import entered
from powertools_durable.operations.effects import Core, RunBody, call_body, watched

if TYPE_CHECKING:
    from powertools_durable.aio.commit import LoopCommitter
    from powertools_durable.aio.runner import AsyncRunner
    from powertools_durable.replay.state import ExecutionState
    from powertools_durable.service.wire import WireDict

T = TypeVar("T")


async def drive_async(core: Core[T], state: ExecutionState, runner: AsyncRunner) -> T:
    """Run ``core`` to its end on the loop; a failed effect is thrown back in where the operation yielded.

    The hot path (an update without plugins, an ``async def`` body) is written out here rather than in
    helper coroutines: each coroutine frame is created, and resumed after every await, once per step.
    """
    committer = runner.committer
    plugins = state.plugins
    send: Any = None
    effect: Any  # an update (a dict) or a RunBody
    try:
        effect = core.send(None)
        while True:
            try:
                if effect.__class__ is dict:  # an update
                    if plugins is None:
                        await committer.commit((effect,))
                    else:
                        await _commit_with_plugins(effect, plugins, committer)
                    send = None
                elif effect.enter is None and is_async_function(effect.func):  # an async def body: in this task
                    committer.body_started()
                    key = None if effect.watch is None else committer.watch(effect.watch)
                    try:
                        if effect.guard and state.step_guard is not None:
                            state.step_guard(effect.op)
                        send = await _resolved(effect.func(effect.arg))
                    finally:
                        committer.body_ended(key)
                else:
                    send = await _run_body(effect, state, runner)
            except BaseException as exc:
                effect = core.throw(exc)
                continue
            effect = core.send(send)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _commit_with_plugins(update: WireDict, plugins: Any, committer: LoopCommitter) -> None:
    """``state.checkpoint(update)``, awaited: the plugins see the update, then what the call finished."""
    plugins.before_update(update)
    await committer.commit((update,))
    plugins.drain()


async def _run_body(effect: RunBody, state: ExecutionState, runner: AsyncRunner) -> Any:
    """A child's function (its context entered) or a plain ``def`` body (on a worker thread)."""
    committer = runner.committer
    committer.body_started()
    try:
        if effect.guard and state.step_guard is not None:
            state.step_guard(effect.op)
        if effect.enter is not None:
            with entered(effect.enter):
                return await _resolved(effect.func(effect.arg))
        return await _on_thread(effect, state, runner)
    finally:
        committer.body_ended()


async def _on_thread(effect: RunBody, state: ExecutionState, runner: AsyncRunner) -> Any:
    if state.plugins is None:
        running = runner.offload_body(contextvars.copy_context().run, watched, effect, state, _call)
    else:  # the plugins' hooks wrap the whole body, on its thread: an awaitable it returns is awaited there
        resolving = effect._replace(func=_resolving(effect.func, runner))
        running = runner.offload_body(contextvars.copy_context().run, watched, resolving, state, call_body)
    try:
        value = await asyncio.shield(running)
    except asyncio.CancelledError:
        value = await running  # a thread cannot be stopped: the step finishes and records its outcome
    return await _resolved(value)


def _resolving(func: Callable[[Any], Any], runner: AsyncRunner) -> Callable[[Any], Any]:
    return lambda arg: runner.resolve(func(arg))


def _call(effect: RunBody, state: ExecutionState) -> Any:
    return effect.func(effect.arg)


def _resolved(value: Any) -> Awaitable[Any]:
    """``value`` as an awaitable: itself when it is one (a coroutine body), else one that returns it."""
    if value.__class__ is CoroutineType or inspect.isawaitable(value):
        return value
    return _ready(value)


async def _ready(value: T) -> T:
    return value


def is_async_function(func: Callable[..., Any]) -> bool:
    """``async def`` (or a ``durable_step``/``partial`` of one): it runs on the loop, never on a thread."""
    code = getattr(func, "__code__", None)
    if code is not None and code.co_flags & CO_COROUTINE:  # a plain async def: no inspect needed
        return True
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, "_original_func", None))
