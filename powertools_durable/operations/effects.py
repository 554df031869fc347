"""What an operation needs done by whoever drives it: a commit acknowledged, a user function run.

An operation's decisions (replay checks, retries, serdes, error shapes) are written once, as a
generator that *yields* these effects and receives their outcome: an update (a wire dict) to
checkpoint, resuming once it is acknowledged, or a :class:`RunBody`, resuming with what the user
function returned. Sync code drives it with :func:`drive` (a blocking ``checkpoint``, a direct
call), and an event loop drives the same generator with an ``await`` on the commit and on the body
(``powertools_durable.aio.driver``). A failure of an effect is thrown back into the generator where
it yielded, so the operation sees exactly what a direct call would have raised there.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from powertools_durable.current import entered
from powertools_durable.replay.start_watch import WATCH
from powertools_durable.service.wire import WireDict

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext, OperationHandle
    from powertools_durable.replay.state import ExecutionState

T = TypeVar("T")


class RunBody(NamedTuple):
    """Run a user function (a step attempt, a child's function); resume with what it returned.

    ``func(arg)`` is the call; ``op`` and ``attempt`` are what plugins see around it; ``watch`` the
    window after which its queued START is flushed while it still runs (see
    :mod:`powertools_durable.replay.start_watch`), counted from when it starts running.
    """

    func: Callable[[Any], Any]
    arg: Any
    op: OperationHandle
    attempt: int | None
    watch: float | None = None
    guard: bool = False  # a step attempt: the replayer's step_guard may stop it before it runs
    replay_children: bool = False  # a child re-run to rebuild a large result (plugins are told)
    enter: DurableContext | None = None  # a child's function: its context is the running one while it runs


Effect = WireDict | RunBody  # an update to commit, or a user function to run
Core = Generator[Effect, Any, T]


def drive(core: Core[T], state: ExecutionState) -> T:
    """Run ``core`` to its end in this thread: commits block until acknowledged, bodies are called directly."""
    send: Any = None
    try:
        effect = core.send(None)
        while True:
            try:
                if effect.__class__ is dict:
                    state.checkpoint(effect)  # a dict: an update
                    send = None
                else:
                    send = run_body(effect, state)  # type: ignore[arg-type]  # not an update: a RunBody
            except BaseException as exc:  # thrown back in where the operation yielded: as a direct call raises it
                effect = core.throw(exc)
                continue
            effect = core.send(send)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def run_body(effect: RunBody, state: ExecutionState) -> Any:
    """Call the user function of ``effect`` between the hooks that surround it (guard, plugins, start watch)."""
    if effect.guard and state.step_guard is not None:
        state.step_guard(effect.op)
    if effect.enter is not None:
        with entered(effect.enter):
            return call_body(effect, state)
    return watched(effect, state, call_body)


def watched(effect: RunBody, state: ExecutionState, call: Callable[[RunBody, ExecutionState], T]) -> T:
    """``call(effect, state)`` with its queued START watched while it runs (a body that outlives the window)."""
    if effect.watch is None:
        return call(effect, state)
    key = WATCH.watch(state.checkpointer, effect.watch)
    try:
        return call(effect, state)
    finally:
        WATCH.done(key)


def call_body(effect: RunBody, state: ExecutionState) -> Any:
    """``effect.func(effect.arg)``, between the plugins' user-function hooks when plugins are registered."""
    plugins = state.plugins
    if plugins is None:
        return effect.func(effect.arg)
    return plugins.run_user_function(
        effect.op, effect.attempt, lambda: effect.func(effect.arg), is_replay_children=effect.replay_children
    )
