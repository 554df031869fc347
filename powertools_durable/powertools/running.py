"""The durable context of the running invocation, or ``None`` outside one.

Log filters and metric guards are called from anywhere (other threads, code outside the
handler), so they need the lookup that does not raise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powertools_durable.exceptions import DurableContextNotFoundError
from powertools_durable.execution import get_durable_context

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext


def running_context() -> DurableContext | None:
    """The running invocation's :class:`DurableContext`, or ``None`` outside a durable handler."""
    try:
        return get_durable_context()
    except DurableContextNotFoundError:
        return None


def is_replaying() -> bool:
    """True while the running invocation replays operations an earlier invocation checkpointed."""
    ctx = running_context()
    return ctx is not None and ctx.is_replaying()
