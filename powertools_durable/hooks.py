"""Where integrations (Powertools Logger, Tracer, …) attach to the engine without the engine knowing them.

The engine calls :meth:`DurableHooks.invocation` around the user's handler and
:meth:`DurableHooks.run_step` around every step attempt that really runs (never around a
replayed step), so an integration can add log keys or open a trace subsegment exactly once
per executed attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext, OperationHandle

T = TypeVar("T")


class DurableHooks(Protocol):
    def invocation(self, ctx: DurableContext) -> AbstractContextManager[None]:
        """Entered before the handler runs, left after it returned, raised or suspended."""
        ...

    def run_step(self, ctx: DurableContext, op: OperationHandle, attempt: int, body: Callable[[], T]) -> T:
        """Run one attempt of a step's body and return its result (or let its exception through)."""
        ...


class NoHooks:
    """The default: nothing attached."""

    @contextmanager
    def invocation(self, ctx: DurableContext) -> Iterator[None]:
        yield

    def run_step(self, ctx: DurableContext, op: OperationHandle, attempt: int, body: Callable[[], T]) -> T:
        return body()


NO_HOOKS: DurableHooks = NoHooks()
