"""The execution's operations, as replayed and as checkpointed during this invocation.

:class:`ExecutionState` holds state only: operations by id, which of them existed before the
invocation ran any code (replay), and the error that dooms the execution. Every call to the
service goes through its :class:`~powertools_durable.replay.checkpointer.Checkpointer` (group
commit, safe for concurrent branches); ``checkpoint`` / ``enqueue`` / ``flush`` are its verbs,
kept here because every operation reaches the service through ``ctx.state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from powertools_durable.exceptions import CheckpointError, ExecutionError
from powertools_durable.replay.checkpointer import Checkpointer
from powertools_durable.replay.start_watch import start_window_seconds
from powertools_durable.service.client import DurableServiceClient
from powertools_durable.service.wire import OperationType, WireDict

if TYPE_CHECKING:
    from powertools_durable.replay.instrumentation import PluginRunner


class ExecutionState:
    """Operations by id, and the checkpointer that records new ones.

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
        self.client = client
        self._operations: dict[str, WireDict] = {op["Id"]: op for op in operations}
        self.checkpointer = Checkpointer(client, durable_execution_arn, checkpoint_token, self._merge)
        self._fatal: ExecutionError | None = None
        self.step_start_window = start_window_seconds()  # read once per invocation, not once per step
        self.replayable: frozenset[str] = frozenset()
        self._replayable_by_parent: dict[str | None, frozenset[str]] = {}
        self.step_guard: Callable[[Any], None] | None = None  # the replayer's: stops a step body before it runs
        self.plugins: PluginRunner | None = None  # set only when plugins are registered: None costs nothing

    @property
    def operations(self) -> Mapping[str, WireDict]:
        return self._operations

    @property
    def checkpoint_token(self) -> str | None:
        return self.checkpointer.token

    @property
    def checkpoint_calls(self) -> int:
        return self.checkpointer.calls

    def _merge(self, operations: Iterable[WireDict]) -> None:
        plugins = self.plugins
        if plugins is None or not plugins.watches_changes:
            for op in operations:
                self._operations[op["Id"]] = op
            return
        changed = []
        for op in operations:
            previous = self._operations.get(op["Id"])
            self._operations[op["Id"]] = op
            if previous is None or previous.get("Status") != op.get("Status"):
                changed.append(op)
        if changed:
            plugins.merged(changed)

    def page_in(self, marker: str | None) -> None:
        """Fetch the pages of state that did not fit in the invocation envelope."""
        self.checkpointer.page_in(marker)

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
        if self.plugins is not None:
            self.plugins.before_update(update)
        self.checkpointer.enqueue(update)

    def checkpoint(self, *updates: WireDict) -> None:
        """Send the queued updates and ``updates``; return once they are acknowledged, raise if they cannot be.

        A failure poisons the state: every later checkpoint re-raises it, and the handler
        raises it at the end even if user code caught it, so the invocation fails and Lambda
        retries it instead of reporting an outcome that was never recorded.
        """
        plugins = self.plugins
        if plugins is None:
            self.checkpointer.commit(*updates)
            return
        for update in updates:
            plugins.before_update(update)
        self.checkpointer.commit(*updates)
        plugins.drain()  # end hooks of what this call finished run here, before the result reaches user code

    def flush(self) -> None:
        """Send whatever is still queued (before the invocation returns)."""
        self.checkpointer.flush()

    def raise_if_failed(self) -> None:
        self.checkpointer.raise_if_failed()

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
