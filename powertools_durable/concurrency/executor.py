"""Runs the branches of one ``parallel`` / ``map`` on threads and decides when the batch is done.

Up to ``max_concurrency`` workers (threads from a process-wide pool) run branches, each branch in
its own copy of the caller's ``contextvars`` (so ``get_durable_context()``, log keys and tracing
work inside). A worker records each outcome in the batch's shared state, asks the completion policy,
and takes the next branch itself, so a branch costs no hand-off to the calling thread, which sleeps
until the batch completed, suspended or failed. Ids never depend on scheduling: branch ``i`` of
the batch operation ``b`` is ``blake2b(f"{b}-{i}")`` and has its own child context and counter.

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
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from powertools_durable.concurrency import threads as _threads
from powertools_durable.concurrency.batch import BatchItem, BatchResult, CompletionReason, ErrorObject
from powertools_durable.concurrency.config import (
    BatchItemStatus,
    CompletionConfig,
    CompletionItemStatus,
    NestingType,
)
from powertools_durable.concurrency.policy import CompletionPolicy, CompletionRecord
from powertools_durable.concurrency.scope import BranchScope, OrphanedBranchError
from powertools_durable.config import ChildConfig
from powertools_durable.exceptions import (
    DurableOperationError,
    ExecutionError,
    InvocationError,
    NonDeterministicExecutionError,
    SuspendExecution,
)
from powertools_durable.operations.child import run_child_operation
from powertools_durable.replay.identity import operation_id
from powertools_durable.serdes import SerDes
from powertools_durable.service.wire import OperationStatus, OperationType

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext

R = TypeVar("R")

# Threads running one batch whose max_concurrency leaves it open: every branch may be in flight (a
# suspended one frees its thread for the next), but no more run at once. One call carries at most 250
# updates (~62 one-step branches), so more threads only add contention; an explicit max_concurrency is
# honoured in full.
UNBOUNDED_WORKERS = 128

# True inside a batch branch: a nested batch's thread then stops counting as a checkpointer participant
# while it only waits for its own branches.
_IN_BRANCH: contextvars.ContextVar[bool] = contextvars.ContextVar("powertools_durable_in_branch", default=False)


class Executable(Generic[R]):
    """One branch: ``func(child_context)``, its index, and the name it was given (if any).

    A plain slotted class, not a dataclass: a map builds one per item before its first branch starts.
    """

    __slots__ = ("func", "index", "name")

    def __init__(self, index: int, func: Callable[[DurableContext], R], name: str | None = None) -> None:
        self.index = index
        self.func = func
        self.name = name


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


class _Run:
    """The shared state of one live batch, guarded by ``lock``: what the workers and the batch's thread share."""

    def __init__(self, limit: int, total: int) -> None:
        self.lock = threading.Lock()
        self.done = (
            threading.Lock()
        )  # held until the batch completed, suspended or failed: the batch's thread waits on it
        self.done.acquire()
        self.limit = limit
        self.total = total
        self.next_index = 0  # branches start in index order
        self.in_flight = 0  # started and not finished: a suspended branch keeps its slot
        self.running = 0  # branches a worker is running now
        self.succeeded = 0
        self.failed = 0
        self.finished = False  # the batch's thread was woken
        self.closed = False  # the result was taken: later outcomes are not recorded
        self.reason: CompletionReason | None = None
        self.fatal: BaseException | None = None
        self.fatal_kind: _Kind | None = None


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
        self._branch_config: ChildConfig[Any] = ChildConfig(
            serdes=spec.serdes, is_virtual=spec.nesting_type is NestingType.FLAT
        )

    def branch_id(self, index: int) -> str:
        return operation_id(self.ctx.parent_id, index)

    def branch_name(self, index: int) -> str:
        name = self.executables[index].name
        return name if name is not None else f"{self.spec.name_prefix}{index}"

    # -- live ---------------------------------------------------------------------------------

    def execute(self) -> BatchResult[R]:
        """Run the branches until the policy is met (return) or nothing can progress (suspend).

        Each of up to ``max_concurrency`` workers runs a branch, records its outcome here, asks
        the policy, and takes the next branch itself: no hand-off to this thread per branch. This
        thread sleeps until the batch completed, suspended, or failed fatally.
        """
        if not self.executables:
            return BatchResult([], self.policy.reason(0, 0))
        run = _Run(self.spec.max_concurrency or len(self.executables), len(self.executables))
        if self._settle(run):  # e.g. min_successful=0: complete before anything starts
            return BatchResult(self._items(), run.reason or self.policy.reason(0, 0))
        checkpointer = self.ctx.state.checkpointer
        base = contextvars.copy_context()
        workers = min(run.limit, run.total)
        if self.spec.max_concurrency is None:  # unbounded: every branch may start, on at most this many threads
            workers = min(workers, UNBOUNDED_WORKERS)
        starts = [self._claim(run) for _ in range(workers)]
        nested = _IN_BRANCH.get()
        try:
            for index in starts:
                checkpointer.join()  # left by the worker when it takes no further branch
                try:
                    _threads.spawn(functools.partial(self._worker, run, base, index))
                except BaseException as exc:  # no thread to be had: the batch fails with it, as a branch would
                    checkpointer.leave()
                    self._abort(run, exc)
                    break
            if nested:
                checkpointer.leave()  # this branch only waits now: a leader need not wait for it
            try:
                run.done.acquire()
            finally:
                if nested:
                    checkpointer.join()
            with run.lock:
                run.closed = True  # from here on, late outcomes are not recorded
                items = self._items()
        finally:
            self.scope.close()
        if run.fatal is not None:
            if run.fatal_kind is _Kind.ORPHANED:
                self.scope.check()  # an enclosing batch completed: stop this one too
                raise OrphanedBranchError("branch orphaned")
            raise run.fatal
        if run.reason is None:
            raise SuspendExecution("every running branch of the batch is waiting")
        return BatchResult(items, run.reason)

    def _claim(self, run: _Run) -> int:
        """With the run's lock held (or before workers start): the next branch to start."""
        index = run.next_index
        run.next_index += 1
        run.in_flight += 1
        run.running += 1
        self._states[index] = _State.RUNNING
        return index

    def _settle(self, run: _Run) -> bool:
        """Ask the policy whether the batch is over; True (and ``run.reason`` set) when it is."""
        snapshot = self._snapshot() if self.policy.should_complete is not None else ()
        decision = self.policy.evaluate(run.succeeded, run.failed, snapshot)
        if self.policy.is_complete(run.succeeded, run.failed, snapshot, decision) or not self.policy.should_continue(
            run.failed
        ):
            run.reason = self.policy.reason(run.succeeded, run.failed, snapshot, decision)
            return True
        return False

    def _record(self, run: _Run, index: int, kind: _Kind, value: Any) -> int | None:
        """With the run's lock held: record how branch ``index`` ended; the next branch for its worker, if any."""
        run.running -= 1
        if run.finished:
            if not run.closed and kind in (_Kind.COMPLETED, _Kind.FAILED):
                self._apply_terminal(index, kind, value)  # finished while the batch completed: its true status
            return None
        if kind in (_Kind.FATAL, _Kind.ORPHANED):
            run.fatal, run.fatal_kind = value or OrphanedBranchError("branch orphaned"), kind
            return self._finish(run)
        if kind is _Kind.SUSPENDED:  # it keeps its slot (its worker may still take another free one)
            self._states[index] = _State.SUSPENDED
        else:
            run.in_flight -= 1
            if self._apply_terminal(index, kind, value):
                run.succeeded += 1
            else:
                run.failed += 1
            try:
                over = self._settle(run)
            except BaseException as exc:  # a should_complete that raised: the batch fails with it, as inline
                run.fatal, run.fatal_kind = exc, _Kind.FATAL
                return self._finish(run)
            if over:
                return self._finish(run)
        if run.next_index < run.total and run.in_flight < run.limit:
            return self._claim(run)
        return self._finish(run) if run.running == 0 else None

    @staticmethod
    def _finish(run: _Run) -> None:
        """With the run's lock held: wake the batch's thread (once)."""
        if not run.finished:
            run.finished = True
            run.done.release()

    def _apply_terminal(self, index: int, kind: _Kind, value: Any) -> bool:
        """Record a finished branch; True when it succeeded."""
        if kind is _Kind.COMPLETED:
            self._states[index] = _State.SUCCEEDED
            self._results[index] = value
            return True
        self._states[index] = _State.FAILED
        self._errors[index] = value
        return False

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

    def _worker(self, run: _Run, base: contextvars.Context, index: int | None) -> None:
        """Thread body: run branches, each in its own copy of the caller's context, until none is left for it."""
        try:
            while index is not None:
                kind, value = base.copy().run(self._run_one, index)
                with run.lock:
                    index = self._record(run, index, kind, value)
        except BaseException as exc:  # a fault here must not leave the batch's thread waiting for ever
            self._abort(run, exc)
        finally:
            self.ctx.state.checkpointer.leave()  # a leader gathering for this worker is woken by it

    def _abort(self, run: _Run, exc: BaseException) -> None:
        """Fail the batch with ``exc`` (unless something failed it first) and wake its thread."""
        with run.lock:
            if run.fatal is None:
                run.fatal, run.fatal_kind = exc, _Kind.FATAL
            self._finish(run)

    def _run_one(self, index: int) -> tuple[_Kind, Any]:
        """Run one branch and say how it ended; never lets anything escape unreported."""
        _IN_BRANCH.set(True)
        try:
            return _Kind.COMPLETED, self._run_branch(index)
        except SuspendExecution:
            return _Kind.SUSPENDED, None
        except OrphanedBranchError:
            return _Kind.ORPHANED, None
        except (ExecutionError, InvocationError) as exc:  # non-determinism, failed checkpoints: not item failures
            return _Kind.FATAL, exc
        except Exception as exc:
            return _Kind.FAILED, exc
        except BaseException as exc:
            return _Kind.FATAL, exc

    def _run_branch(self, index: int) -> R:
        op = self.ctx.claim_operation(
            self.branch_id(index), OperationType.CONTEXT, self.spec.sub_type, self.branch_name(index)
        )
        return run_child_operation(
            self.ctx, op, self.executables[index].func, self._branch_config, scope=self.scope, acknowledged=False
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
