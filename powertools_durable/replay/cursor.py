"""A context's place among its recorded operations: the id bookkeeping under ``DurableContext``.

Each operation a context begins gets the next deterministic id; the checkpoint recorded at that
id must be the same operation, and once visited it no longer keeps the context replaying.
:class:`OperationCursor` is ``DurableContext``'s base class rather than an object it holds, so
``begin_operation`` and ``claim_operation``, run once per operation, cost no extra lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from powertools_durable.exceptions import NonDeterministicExecutionError
from powertools_durable.replay.identity import check_identity, operation_id
from powertools_durable.replay.state import ExecutionState
from powertools_durable.service.wire import WireDict

if TYPE_CHECKING:
    from powertools_durable.concurrency.scope import BranchScope


_new = tuple.__new__


class OperationHandle(NamedTuple):
    """One operation being run: its id, what the checkpoint recorded, and how to describe updates.

    A named tuple rather than a frozen dataclass: as immutable, and built once per operation, on
    replay too, at a third of the cost.
    """

    id: str
    type: str
    sub_type: str
    name: str | None
    parent_id: str | None
    recorded: WireDict | None

    @property
    def label(self) -> str:
        return f"{self.name!r} ({self.id})" if self.name else self.id

    def update(self, action: str, **fields: Any) -> WireDict:
        """An ``OperationUpdate`` of this operation with ``action`` and the extra wire ``fields``."""
        update: WireDict = {"Id": self.id, "Type": self.type, "SubType": self.sub_type, "Action": str(action)}
        if self.name:
            update["Name"] = self.name
        if self.parent_id:
            update["ParentId"] = self.parent_id
        update.update(fields)
        return update


class OperationCursor:
    """Allocates a context's operation ids in call order and checks each against its checkpoint."""

    def __init__(
        self, state: ExecutionState, parent_id: str | None, prefix: str | None, scope: BranchScope | None
    ) -> None:
        self._state = state
        self._parent_id = parent_id
        # Ids are namespaced under ``prefix``; only a virtual context's differs from its parent id.
        self._prefix = parent_id if prefix is None else prefix
        self._position = 0
        self._scope = scope
        self._guarded_state: ExecutionState | None = None
        if scope is not None:
            from powertools_durable.concurrency.scope import ScopedState  # noqa: PLC0415 - loaded by then

            self._guarded_state = ScopedState.over(state, scope)
        self._unvisited = (
            set(state.replayable_under(parent_id))
            if self._prefix == parent_id or self._prefix is None
            else _replayable_with_prefix(state, parent_id, self._prefix)
        )

    @property
    def state(self) -> ExecutionState:
        """The execution's state; inside a batch branch, a view that refuses to record once the batch completed."""
        return self._state if self._guarded_state is None else self._guarded_state

    @property
    def operations(self) -> Mapping[str, WireDict]:
        return self._state.operations

    @property
    def parent_id(self) -> str | None:
        """The id of the CONTEXT operation this context runs in (``None`` at the top level)."""
        return self._parent_id

    @property
    def scope(self) -> BranchScope | None:
        """The batch branch this context runs in (closed once its batch completed), if any."""
        return self._scope

    @property
    def is_virtual(self) -> bool:
        """True for a context that checkpoints nothing of its own (a FLAT branch, ``ChildConfig(is_virtual=True)``).

        Its operations are namespaced under its own id but report the enclosing context as parent.
        """
        return self._prefix != self._parent_id

    def is_replaying(self) -> bool:
        """True while this context re-runs operations an earlier invocation already checkpointed.

        Each child context answers for its own operations: a child that is new in this invocation
        is not replaying even while its parent is, and a finished child's operations, never
        visited again, do not keep its parent replaying.
        """
        return bool(self._unvisited)

    def begin_operation(self, op_type: str, sub_type: str, name: str | None) -> OperationHandle:
        """Allocate the next id, check the checkpoint at it, and mark it visited."""
        self._position += 1
        return self.claim_operation(operation_id(self._prefix, self._position), op_type, sub_type, name)

    def reserve_operation(self) -> str:
        """Allocate the next id now for an operation that begins later (async: ids follow call order)."""
        self._position += 1
        return operation_id(self._prefix, self._position)

    def claim_operation(self, op_id: str, op_type: str, sub_type: str, name: str | None) -> OperationHandle:
        """Check the checkpoint at ``op_id`` and mark it visited (a batch branch: an id no counter allocated)."""
        self._state.raise_if_doomed()
        if self._scope is not None:
            self._scope.check()
        recorded = self._state.get(op_id)
        if recorded is not None:
            try:
                check_identity(recorded, op_id, op_type, sub_type, name, self._parent_id)
            except NonDeterministicExecutionError as exc:
                self._state.fail_execution(exc)  # user code catching it must not let the run diverge
                raise
            self._unvisited.discard(op_id)
            if self._state.plugins is not None:
                self._state.plugins.replayed(recorded)
        # OperationHandle(...) built by tuple.__new__ in C: the named tuple's own __new__ is Python code
        return _new(OperationHandle, (op_id, str(op_type), str(sub_type), name, self._parent_id, recorded))


def _replayable_with_prefix(state: ExecutionState, parent_id: str | None, prefix: str) -> set[str]:
    """The operations a virtual context recorded: under its parent, with ids from its own namespace.

    Positions are consecutive, so the scan stops past the last one the parent could hold.
    """
    candidates = state.replayable_under(parent_id)
    ids = (operation_id(prefix, position) for position in range(1, len(candidates) + 2))
    return {op_id for op_id in ids if op_id in candidates}
