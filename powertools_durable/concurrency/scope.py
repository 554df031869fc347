"""A batch branch's scope: once its batch completed, the branch (and everything nested in it) records nothing.

A branch still running when the completion policy was met keeps running on its thread; its scope is
closed, so it stops at its next durable operation with :class:`OrphanedBranchError` instead of
recording anything after the batch's result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from powertools_durable.exceptions import OrphanedChildException

if TYPE_CHECKING:
    from powertools_durable.replay.state import ExecutionState
    from powertools_durable.service.wire import WireDict


OrphanedBranchError = OrphanedChildException  # the official SDK's name, in exceptions


class BranchScope:
    """Open while a batch runs; closed once it completed, for its branches and everything nested in them."""

    def __init__(self, parent: BranchScope | None = None) -> None:
        self._parent = parent
        self._closed = False

    def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed or (self._parent is not None and self._parent.closed)

    def check(self) -> None:
        if self.closed:
            raise OrphanedBranchError("the batch this branch belongs to has already completed")


class ScopedState:
    """The execution state as a branch sees it: recording anything raises once its batch completed.

    Everything but ``enqueue`` and ``checkpoint`` is the real state's.
    """

    def __init__(self, state: ExecutionState, scope: BranchScope) -> None:
        self._state = state
        self._scope = scope

    @classmethod
    def over(cls, state: ExecutionState, scope: BranchScope) -> ExecutionState:
        return cast("ExecutionState", cls(state, scope))

    def enqueue(self, update: WireDict) -> None:
        self._scope.check()
        self._state.enqueue(update)

    def checkpoint(self, *updates: WireDict) -> None:
        self._scope.check()
        self._state.checkpoint(*updates)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)
