"""The execution's operations and the checkpointer: the only caller of the service client.

Checkpoints are synchronous: :meth:`ExecutionState.checkpoint` sends every queued update in
one CheckpointDurableExecution call, chains the returned token and merges the returned
operations. A queued update (a step's START under at-least-once semantics) rides along
with the next call instead of costing one of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from powertools_durable.exceptions import CheckpointError, ExecutionError, InvocationError
from powertools_durable.service.client import DurableServiceClient
from powertools_durable.service.envelope import check_operation
from powertools_durable.service.wire import OperationType, WireDict


class ExecutionState:
    """Operations by id, the checkpoint token, and the updates not yet sent.

    ``operations`` includes the EXECUTION operation, so Powertools' replay detection
    (``len(state.operations) > 1``) works on it.
    """

    def __init__(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        operations: list[WireDict],
        client: DurableServiceClient,
    ) -> None:
        self.durable_execution_arn = durable_execution_arn
        self.checkpoint_token: str | None = checkpoint_token
        self.client = client
        self._operations: dict[str, WireDict] = {op["Id"]: op for op in operations}
        self._pending: list[WireDict] = []
        # Minimal until the group-commit checkpointer lands: batch branches enqueue and checkpoint from threads.
        self._lock = threading.RLock()
        self._failure: InvocationError | None = None
        self._fatal: ExecutionError | None = None
        self.checkpoint_calls = 0
        self.replayable: frozenset[str] = frozenset()
        self._replayable_by_parent: dict[str | None, frozenset[str]] = {}

    @property
    def operations(self) -> Mapping[str, WireDict]:
        return self._operations

    def page_in(self, marker: str | None) -> None:
        """Fetch the pages of state that did not fit in the invocation envelope."""
        while marker:
            page = self.client.get_execution_state(self.durable_execution_arn, self._token(), marker)
            for index, op in enumerate(page.get("Operations") or ()):
                check_operation(op, f"GetDurableExecutionState.Operations[{index}]")
                self._operations[op["Id"]] = op
            marker = page.get("NextMarker") or None

    def seal_replay(self) -> None:
        """Remember which operations existed before this invocation ran any code."""
        by_parent: dict[str | None, set[str]] = {}
        for op_id, op in self._operations.items():
            if op["Type"] != OperationType.EXECUTION:
                by_parent.setdefault(op.get("ParentId") or None, set()).add(op_id)
        self._replayable_by_parent = {parent: frozenset(ids) for parent, ids in by_parent.items()}
        self.replayable = frozenset().union(*self._replayable_by_parent.values())

    def replayable_under(self, parent_id: str | None) -> frozenset[str]:
        """The operations of one context (``None``: the top level) that existed before this invocation."""
        return self._replayable_by_parent.get(parent_id, frozenset())

    def execution_operation(self) -> WireDict:
        for op in self._operations.values():
            if op["Type"] == OperationType.EXECUTION:
                return op
        raise CheckpointError("the execution state holds no EXECUTION operation")

    def get(self, op_id: str) -> WireDict | None:
        return self._operations.get(op_id)

    def enqueue(self, update: WireDict) -> None:
        """Queue an update to be sent with the next checkpoint call."""
        with self._lock:
            self._pending.append(update)

    def checkpoint(self, *updates: WireDict) -> None:
        """Send the queued updates and ``updates`` in one call; raise if it cannot be written.

        A failure poisons the state: every later checkpoint re-raises it, and the handler
        raises it at the end even if user code caught it, so the invocation fails and Lambda
        retries it instead of reporting an outcome that was never recorded.
        """
        with self._lock:
            self._checkpoint(*updates)

    def _checkpoint(self, *updates: WireDict) -> None:
        self.raise_if_failed()
        batch = [*self._pending, *updates]
        if not batch:
            return
        try:
            response = self.client.checkpoint(self.durable_execution_arn, self._token(), batch)
        except InvocationError as exc:
            self._failure = exc
            raise
        self._pending.clear()
        self.checkpoint_calls += 1
        self.checkpoint_token = response.get("CheckpointToken")
        new_state = response.get("NewExecutionState") or {}
        for op in new_state.get("Operations") or ():
            self._operations[op["Id"]] = op
        self.page_in(new_state.get("NextMarker"))

    def flush(self) -> None:
        """Send whatever is still queued (before the invocation returns)."""
        if self._pending:
            self.checkpoint()

    def raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    @property
    def fatal_error(self) -> ExecutionError | None:
        """The error that dooms the execution (non-determinism), even if user code caught it."""
        return self._fatal

    def fail_execution(self, exc: ExecutionError) -> None:
        """Remember ``exc`` so the execution ends FAILED with it whatever user code does next."""
        if self._fatal is None:
            self._fatal = exc

    def raise_if_doomed(self) -> None:
        """Refuse any further operation once the invocation or the execution has failed."""
        self.raise_if_failed()
        if self._fatal is not None:
            raise self._fatal

    def _token(self) -> str:
        if not self.checkpoint_token:
            self._failure = CheckpointError(
                "no checkpoint token: the execution was already completed by an earlier checkpoint"
            )
            raise self._failure
        return self.checkpoint_token
