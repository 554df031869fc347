"""Runs the branches of one ``parallel`` / ``map`` on threads and decides when the batch is done.

One coordinator loop, on the calling thread, owns every branch's state; worker threads run
branches (each in a copy of the caller's ``contextvars``, so ``get_durable_context()``, log keys
and tracing work inside) and report each outcome as an event on a queue. Ids never depend on
scheduling: branch ``i`` of the batch operation ``b`` is ``blake2b(f"{b}-{i}")`` and has its own
child context and counter.

Branches start in index order, at most ``max_concurrency`` in flight; a suspended branch (wait,
callback, retry delay, invoke) keeps its slot. When nothing is running and nothing more may
start, the batch suspends the invocation; the next invocation replays every branch to where it
was. Once the completion policy is met nothing new starts, and branches still running are
reported STARTED: their scope is closed, so each stops at its next durable operation
(:class:`OrphanedBranchError`) instead of recording anything more.
"""

from __future__ import annotations

import contextvars
import functools
import queue
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from powertools_durable.concurrency.batch import BatchItem, BatchResult, ErrorObject
from powertools_durable.concurrency.config import (
    BatchItemStatus,
    CompletionConfig,
    CompletionDecision,
    CompletionItemStatus,
    NestingType,
)
from powertools_durable.concurrency.policy import CompletionPolicy, CompletionRecord
from powertools_durable.concurrency.threads import BranchThreads
from powertools_durable.config import ChildConfig
from powertools_durable.exceptions import (
    DurableOperationError,
    ExecutionError,
    InvocationError,
    NonDeterministicExecutionError,
    OrphanedChildException,
    SuspendExecution,
)
from powertools_durable.operations.child import run_child_operation
from powertools_durable.replay.identity import operation_id
from powertools_durable.serdes import SerDes
from powertools_durable.service.wire import OperationStatus, OperationType

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext
    from powertools_durable.replay.state import ExecutionState
    from powertools_durable.service.wire import WireDict

R = TypeVar("R")

# Threads per batch when max_concurrency leaves it open: more only adds contention on two cores.
_MAX_THREADS = 64


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


@dataclass(frozen=True)
class Executable(Generic[R]):
    """One branch: ``func(child_context)``, its index, and the name it was given (if any)."""

    index: int
    func: Callable[[DurableContext], R]
    name: str | None = None


@dataclass(frozen=True)
class BatchSpec:
    """What distinguishes a parallel from a map once their branches are built."""

    sub_type: str
    name_prefix: str
    max_concurrency: int | None
    completion_config: CompletionConfig | None
    serdes: SerDes[Any] | None
    nesting_type: NestingType


class _State(Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUSPENDED = "suspended"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class _Kind(Enum):
    COMPLETED = "completed"
    FAILED = "failed"
    SUSPENDED = "suspended"
    ORPHANED = "orphaned"
    FATAL = "fatal"


@dataclass(frozen=True)
class _Event:
    index: int
    kind: _Kind
    result: Any = None
    error: BaseException | None = None


_ITEM_STATUS = {
    _State.PENDING: None,
    _State.RUNNING: BatchItemStatus.STARTED,
    _State.SUSPENDED: BatchItemStatus.STARTED,
    _State.SUCCEEDED: BatchItemStatus.SUCCEEDED,
    _State.FAILED: BatchItemStatus.FAILED,
}


class BatchExecutor(Generic[R]):
    """The branches of one batch, run by :meth:`execute` or rebuilt by :meth:`replay`.

    ``ctx`` is the batch operation's own child context: branches are its children.
    """

    def __init__(self, ctx: DurableContext, executables: list[Executable[R]], spec: BatchSpec) -> None:
        self.ctx = ctx
        self.executables = executables
        self.spec = spec
        self.policy = CompletionPolicy.from_config(len(executables), spec.completion_config)
        self.scope = BranchScope(ctx.scope)
        self._states = [_State.PENDING] * len(executables)
        self._results: list[Any] = [None] * len(executables)
        self._errors: list[BaseException | None] = [None] * len(executables)

    def branch_id(self, index: int) -> str:
        return operation_id(self.ctx.parent_id, index)

    def branch_name(self, index: int) -> str:
        name = self.executables[index].name
        return name if name is not None else f"{self.spec.name_prefix}{index}"

    # -- live ---------------------------------------------------------------------------------

    def execute(self) -> BatchResult[R]:
        """Run the branches until the policy is met (return) or nothing can progress (suspend)."""
        if not self.executables:
            return BatchResult([], self.policy.reason(0, 0))
        limit = self.spec.max_concurrency or len(self.executables)
        events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        threads = BranchThreads(min(limit, _MAX_THREADS))
        pending = deque(range(len(self.executables)))
        in_flight = running = succeeded = failed = 0
        decision: CompletionDecision | None = None
        snapshot: tuple[CompletionItemStatus, ...] = ()
        try:
            while True:
                snapshot = self._snapshot() if self.policy.should_complete is not None else ()
                decision = self.policy.evaluate(succeeded, failed, snapshot)
                if self.policy.is_complete(succeeded, failed, snapshot, decision):
                    break
                if not self.policy.should_continue(failed):
                    break
                while pending and in_flight < limit:
                    index = pending.popleft()
                    self._states[index] = _State.RUNNING
                    self.ctx.state.checkpointer.join()  # left by the worker when the branch ends
                    threads.submit(functools.partial(contextvars.copy_context().run, self._worker, events, index))
                    in_flight += 1
                    running += 1
                if running == 0:
                    raise SuspendExecution("every running branch of the batch is waiting")
                event = events.get()
                if event.kind is _Kind.FATAL:
                    raise event.error or RuntimeError("a branch failed fatally")
                if event.kind is _Kind.ORPHANED:
                    self.scope.check()  # an enclosing batch completed: stop this one too
                    raise OrphanedBranchError("branch orphaned")
                running -= 1
                if event.kind is _Kind.SUSPENDED:
                    self._states[event.index] = _State.SUSPENDED
                    continue
                in_flight -= 1
                if self._apply_terminal(event):
                    succeeded += 1
                else:
                    failed += 1
        finally:
            self.scope.close()
            for _ in threads.shutdown():  # branches that never started will not leave the checkpointer
                self.ctx.state.checkpointer.leave()
        reason = self.policy.reason(succeeded, failed, snapshot, decision)
        self._drain(events)
        return BatchResult(self._items(), reason)

    def _apply_terminal(self, event: _Event) -> bool:
        """Record a finished branch; True when it succeeded."""
        if event.kind is _Kind.COMPLETED:
            self._states[event.index] = _State.SUCCEEDED
            self._results[event.index] = event.result
            return True
        self._states[event.index] = _State.FAILED
        self._errors[event.index] = event.error
        return False

    def _drain(self, events: queue.SimpleQueue[_Event]) -> None:
        """Report branches that finished while the batch completed with their true status."""
        while True:
            try:
                event = events.get_nowait()
            except queue.Empty:
                return
            if event.kind is _Kind.FATAL:
                raise event.error or RuntimeError("a branch failed fatally")
            if event.kind in (_Kind.COMPLETED, _Kind.FAILED):
                self._apply_terminal(event)

    def _snapshot(self) -> tuple[CompletionItemStatus, ...]:
        return tuple(
            CompletionItemStatus(index=exe.index, name=exe.name, status=_ITEM_STATUS[state])
            for exe, state in zip(self.executables, self._states, strict=True)
        )

    def _items(self) -> list[BatchItem[R]]:
        items: list[BatchItem[R]] = []
        for index, state in enumerate(self._states):
            if state is _State.SUCCEEDED:
                items.append(BatchItem(index, BatchItemStatus.SUCCEEDED, self._results[index]))
            elif state is _State.FAILED:
                items.append(BatchItem(index, BatchItemStatus.FAILED, error=_error_of(self._errors[index])))
            elif state is not _State.PENDING:
                items.append(BatchItem(index, BatchItemStatus.STARTED))
        return items

    def _worker(self, events: queue.SimpleQueue[_Event], index: int) -> None:
        """Thread body: run one branch and report how it ended; never lets anything escape unreported."""
        try:
            try:
                result = self._run_branch(index)
            finally:
                self.ctx.state.checkpointer.leave()
        except SuspendExecution:
            events.put(_Event(index, _Kind.SUSPENDED))
        except OrphanedBranchError:
            events.put(_Event(index, _Kind.ORPHANED))
        except (ExecutionError, InvocationError) as exc:  # non-determinism, failed checkpoints: not item failures
            events.put(_Event(index, _Kind.FATAL, error=exc))
        except Exception as exc:
            events.put(_Event(index, _Kind.FAILED, error=exc))
        except BaseException as exc:
            events.put(_Event(index, _Kind.FATAL, error=exc))
        else:
            events.put(_Event(index, _Kind.COMPLETED, result=result))

    def _run_branch(self, index: int) -> R:
        op = self.ctx.claim_operation(
            self.branch_id(index), OperationType.CONTEXT, self.spec.sub_type, self.branch_name(index)
        )
        config: ChildConfig[Any] = ChildConfig(
            serdes=self.spec.serdes, is_virtual=self.spec.nesting_type is NestingType.FLAT
        )
        return run_child_operation(
            self.ctx, op, self.executables[index].func, config, scope=self.scope, acknowledged=False
        )

    # -- replay of a result too large to have been checkpointed -------------------------------

    def replay(self, record: CompletionRecord | None) -> BatchResult[R]:
        """Rebuild the result as the recorded completion decision says, from the branches' checkpoints."""
        if record is None:  # written without a record: derive every branch from its checkpoint
            items = [self._replay_item(exe.index, derive=True) for exe in self.executables]
            return BatchResult.from_items(items, self.spec.completion_config)
        items = []
        for exe in self.executables[: record.started_total]:
            if exe.index in record.started_indexes:
                self._recorded_branch(exe.index)  # still checked: a FLAT/NESTED switch is non-determinism
                items.append(BatchItem(exe.index, BatchItemStatus.STARTED))
            else:
                items.append(self._replay_item(exe.index, derive=False))
        return BatchResult(items, record.completion_reason)

    def _replay_item(self, index: int, derive: bool) -> BatchItem[R]:
        recorded = self._recorded_branch(index)
        status = recorded["Status"] if recorded is not None else None
        if self.spec.nesting_type is NestingType.FLAT:
            try:
                return BatchItem(index, BatchItemStatus.SUCCEEDED, self._run_branch(index))
            except (ExecutionError, InvocationError):
                raise
            except Exception as exc:
                return BatchItem(index, BatchItemStatus.FAILED, error=_error_of(exc))
        if status == OperationStatus.SUCCEEDED:
            return BatchItem(index, BatchItemStatus.SUCCEEDED, self._run_branch(index))
        if status == OperationStatus.FAILED:
            error = ((recorded or {}).get("ContextDetails") or {}).get("Error")
            return BatchItem(index, BatchItemStatus.FAILED, error=ErrorObject.from_dict(error) if error else None)
        if derive:
            return BatchItem(index, BatchItemStatus.STARTED)
        raise self._nondeterministic(index, f"the record says it finished, but its checkpoint is {status!r}")

    def _recorded_branch(self, index: int) -> dict[str, Any] | None:
        recorded = self.ctx.state.get(self.branch_id(index))
        if recorded is not None and self.spec.nesting_type is NestingType.FLAT:
            raise self._nondeterministic(index, "a NESTED branch context is recorded but the code runs it FLAT")
        return recorded

    def _nondeterministic(self, index: int, why: str) -> NonDeterministicExecutionError:
        branch = self.branch_id(index)
        message = f"non-deterministic replay of batch branch {branch}: {why}"
        exc = NonDeterministicExecutionError(message, step_id=branch)
        self.ctx.state.fail_execution(exc)
        return exc


def _error_of(exc: BaseException | None) -> ErrorObject | None:
    """The item error: the type that escaped the branch, not the ChildContextError wrapping it.

    Without its stack trace (the branch's own FAIL keeps it), as the official SDK writes it: the
    whole batch is one checkpoint payload.
    """
    if exc is None:
        return None
    if isinstance(exc, DurableOperationError):
        return ErrorObject(exc.message, exc.error_type, exc.data, None)
    return ErrorObject(str(exc), ErrorObject.from_exception(exc).type, None, None)
