"""The :class:`DurableContext` whose code is running now: a context variable, and how to enter one.

The invocation sets it to the top-level context; a child context replaces it while its function
runs, so :func:`~powertools_durable.get_durable_context` and the Powertools integration (replay
suppression of the Logger, the Metrics guard) see the innermost context, with its own replay status.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext

current_context: ContextVar[DurableContext | None] = ContextVar("powertools_durable_context", default=None)


@contextmanager
def entered(ctx: DurableContext) -> Iterator[None]:
    """Make ``ctx`` the running context until the block is left."""
    token = current_context.set(ctx)
    try:
        yield
    finally:
        current_context.reset(token)
