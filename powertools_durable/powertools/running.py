"""Where the code running now stands: its execution, whether it replays, the step attempt it is in.

On powertools-durable the running :class:`DurableContext` answers (a context variable, exact per
child context). On the official SDK, whose context is not reachable from outside, the Powertools
plugins keep a :class:`ReplayTracker` instead, fed by their hooks: the invocation replays from its
start (unless it is the first) until it runs or observes something new. Log filters and metric
guards are called from anywhere (other threads, code outside the handler), so nothing here raises.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from powertools_durable.current import current_context

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext


@dataclass
class ReplayTracker:
    """The official SDK's invocation as the plugins see it (one per invocation, in its context)."""

    execution_arn: str | None
    replaying: bool
    start_info: Any = None  # the invocation's start info: shared by its plugins, new in the next invocation


class StepKeys(NamedTuple):
    """The keys of the step attempt running now (a named tuple: built once per attempt, cheaply)."""

    operation_id: str
    operation_name: str | None
    attempt: int


tracker: ContextVar[ReplayTracker | None] = ContextVar("powertools_durable_replay_tracker", default=None)
step_keys: ContextVar[StepKeys | None] = ContextVar("powertools_durable_step_keys", default=None)


def running_context() -> DurableContext | None:
    """The running invocation's :class:`DurableContext`, or ``None`` outside a powertools-durable handler."""
    return current_context.get()


def is_replaying() -> bool:
    """True while the running code replays operations an earlier invocation checkpointed."""
    ctx = current_context.get()
    if ctx is not None:
        return ctx.is_replaying()
    state = tracker.get()
    return state is not None and state.replaying


def execution_arn() -> str | None:
    """The running execution's ARN, ``None`` outside a durable invocation."""
    ctx = current_context.get()
    if ctx is not None:
        return ctx.state.durable_execution_arn
    state = tracker.get()
    return None if state is None else state.execution_arn
