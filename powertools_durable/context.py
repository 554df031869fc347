"""``DurableContext``: what a durable handler receives in place of Lambda's context.

It hands out deterministic operation ids in call order, checks each against the checkpoint
recorded at that id (:mod:`powertools_durable.replay.cursor`, its base class), and delegates the
work to :mod:`powertools_durable.operations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from random import Random
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from powertools_durable import determinism
from powertools_durable.config import (
    CallbackConfig,
    ChildConfig,
    Duration,
    InvokeConfig,
    StepConfig,
    WaitForCallbackConfig,
)
from powertools_durable.logger import Logger, LogInfo
from powertools_durable.operations.callback import Callback, create_callback
from powertools_durable.operations.child import (
    durable_with_child_context,  # noqa: F401 - the official SDK has it here
    run_child,
)
from powertools_durable.operations.invoke import run_invoke
from powertools_durable.operations.step import durable_step as durable_step  # noqa: PLC0414 - re-exported: as officially
from powertools_durable.operations.step import run_step
from powertools_durable.operations.wait import run_wait
from powertools_durable.operations.wait_for_callback import (
    WaitForCallbackContext,
    durable_wait_for_callback,  # noqa: F401 - as officially
    run_wait_for_callback,
)
from powertools_durable.operations.wait_for_condition import (
    WaitForConditionCheckContext,
    WaitForConditionConfig,
    run_wait_for_condition,
)
from powertools_durable.replay.cursor import OperationCursor
from powertools_durable.replay.cursor import OperationHandle as OperationHandle  # noqa: PLC0414 - re-exported
from powertools_durable.replay.state import ExecutionState
from powertools_durable.serdes import SerDes
from powertools_durable.types import LambdaContext, LoggerInterface, StepContext

if TYPE_CHECKING:
    from powertools_durable.concurrency.batch import BatchResult
    from powertools_durable.concurrency.config import MapConfig, ParallelBranch, ParallelConfig
    from powertools_durable.concurrency.scope import BranchScope

T = TypeVar("T")
U = TypeVar("U")
P_ = TypeVar("P_")
R_ = TypeVar("R_")

_default_logger = logging.getLogger("powertools_durable.workflow")


@dataclass(frozen=True)
class ExecutionContext:
    """Read-only facts about the running execution."""

    durable_execution_arn: str


class DurableContext(OperationCursor):
    """The durable operations of one execution, for one invocation.

    Satisfies Powertools' ``DurableContextProtocol`` (``lambda_context`` and ``state``), so
    Powertools' Logger, Metrics and Idempotency recognise it.
    """

    _draws: determinism.Draws | None = None  # replay-safe values drawn since the latest operation

    def __init__(
        self,
        state: ExecutionState,
        lambda_context: LambdaContext | None = None,
        logger: Any = None,
        parent_id: str | None = None,
        serdes: SerDes[Any] | None = None,
        prefix: str | None = None,
        scope: BranchScope | None = None,
        log_replay: bool = False,
    ) -> None:
        super().__init__(state, parent_id, prefix, scope)
        self._lambda_context = lambda_context
        self.log_replay = log_replay
        self.logger = Logger.from_log_info(
            _underlying(logger),
            LogInfo(state, parent_id),
            self._silent_while_replaying,
        )
        self.default_serdes = serdes
        self.execution_context = ExecutionContext(state.durable_execution_arn)

    @property
    def lambda_context(self) -> LambdaContext | None:
        return self._lambda_context

    def _silent_while_replaying(self) -> bool:
        return bool(self._unvisited) and not self.log_replay

    def set_logger(self, new_logger: LoggerInterface) -> None:
        """Write ``context.logger`` (and this context's operations' loggers) through ``new_logger``.

        Records keep this context's keys and are still dropped while it replays.
        """
        self.logger = Logger.from_log_info(
            new_logger, LogInfo(self._state, self._parent_id), self._silent_while_replaying
        )

    def now(self) -> datetime:
        """The time the service recorded for this point of the code: the same on every replay (UTC, ms).

        The end of the last operation this context completed (a callback: its start), or before the
        first one the start of the enclosing operation; it does not move between two operations.
        """
        return determinism.now(self, self._prefix, self._position)

    def uuid4(self) -> UUID:
        """A version 4 UUID derived from the execution and this point of the code: the same on every replay."""
        return determinism.uuid_from(self._seed("uuid4"))

    def random(self) -> Random:
        """A ``random.Random`` seeded from the execution and this point of the code: the same draws on every replay."""
        return determinism.random_from(self._seed("random"))

    def _seed(self, kind: str) -> bytes:
        if self._draws is None:
            self._draws = determinism.Draws()
        return determinism.seed(self, self._prefix, self._position, self._draws, kind)

    def child_context(
        self, operation_id: str, *, is_virtual: bool = False, scope: BranchScope | None = None
    ) -> DurableContext:
        """A context whose operations are namespaced under ``operation_id`` and parented to it.

        A virtual child's operations keep this context's parent; ``scope`` marks the child (and its
        descendants) as a batch branch that must stop once its batch completed.
        """
        return DurableContext(
            self._state,
            self._lambda_context,
            logger=self.logger,
            parent_id=self._parent_id if is_virtual else operation_id,
            serdes=self.default_serdes,
            prefix=operation_id,
            scope=scope or self._scope,
            log_replay=self.log_replay,
        )

    def create_child_context(self, operation_id: str, *, is_virtual: bool = False) -> DurableContext:
        """The official SDK's name for :meth:`child_context`."""
        return self.child_context(operation_id, is_virtual=is_virtual)

    def parallel(
        self,
        functions: Sequence[Callable[[DurableContext], T] | ParallelBranch[T]],
        name: str | None = None,
        config: ParallelConfig | None = None,
    ) -> BatchResult[T]:
        """Run ``functions`` concurrently, each in its own child context, and return every outcome.

        Parameters
        ----------
        functions
            Each ``f(child_context)``; a :class:`ParallelBranch` also names its branch.
        name
            Shown in the history.
        config
            Concurrency, completion criteria, serdes and nesting.

        Returns
        -------
        BatchResult
            One item per started branch, in index order; ``throw_if_error()`` raises the first failure.
        """
        from powertools_durable.operations.batch import run_parallel  # noqa: PLC0415 - fan-out loads on first use

        return run_parallel(self, functions, name, config)

    def map(
        self,
        inputs: Sequence[U],
        func: Callable[[DurableContext, U, int, Sequence[U]], T],
        name: str | None = None,
        config: MapConfig[U] | None = None,
    ) -> BatchResult[T]:
        """Run ``func(child_context, item, index, inputs)`` for every item concurrently and return every outcome.

        Parameters
        ----------
        inputs
            The items.
        func
            Runs one item in its own child context.
        name
            Shown in the history; defaults to ``func``'s durable name.
        config
            Concurrency, completion criteria, serdes, nesting and iteration names.
        """
        from powertools_durable.operations.batch import run_map  # noqa: PLC0415 - fan-out loads on first use

        return run_map(self, inputs, func, name, config)

    def step(self, func: Callable[[StepContext], T], name: str | None = None, config: StepConfig | None = None) -> T:
        """Run ``func`` as a checkpointed step and return its result (from the checkpoint on replay).

        Parameters
        ----------
        func
            Called with a :class:`StepContext`; its return value is checkpointed.
        name
            Shown in the history; defaults to the ``durable_step`` function's name.
        config
            Retries, semantics and serdes of this step.
        """
        return run_step(self, func, name, config)

    def wait(self, duration: Duration, name: str | None = None) -> None:
        """Suspend the execution for ``duration`` (at least 1 second) without compute."""
        run_wait(self, duration, name)

    def run_in_child_context(
        self, func: Callable[[DurableContext], T], name: str | None = None, config: ChildConfig[Any] | None = None
    ) -> T:
        """Run ``func`` with a child context and return its result, checkpointed as one CONTEXT operation.

        Parameters
        ----------
        func
            Called with the child :class:`DurableContext`; its operations are grouped under the child.
        name
            Shown in the history; defaults to the ``durable_with_child_context`` function's name.
        config
            Serdes, subtype and large-result summary of this child.

        Raises
        ------
        ChildContextError
            When ``func`` raised: the child is checkpointed FAILED, and a replay raises the same error.
        """
        return run_child(self, func, name, config)

    def create_callback(self, name: str | None = None, config: CallbackConfig | None = None) -> Callback[Any]:
        """Create a callback an external system answers; ``result()`` on it suspends until it does.

        Parameters
        ----------
        name
            Shown in the history.
        config
            Timeout, heartbeat timeout and serdes of the answer.

        Returns
        -------
        Callback
            Its ``callback_id`` goes to the external system, which answers with
            SendDurableExecutionCallbackSuccess / Failure / Heartbeat.
        """
        return create_callback(self, name, config)

    def wait_for_callback(
        self,
        submitter: Callable[[str, WaitForCallbackContext], Any],
        name: str | None = None,
        config: WaitForCallbackConfig | None = None,
    ) -> Any:
        """Create a callback, hand its id to ``submitter`` (a retried step) and wait for the answer.

        Parameters
        ----------
        submitter
            ``submitter(callback_id, WaitForCallbackContext)``: sends the id to the external system.
        name
            Shown in the history; defaults to the ``durable_wait_for_callback`` function's name.
        config
            The callback's timeouts and serdes, and the submitter's retry strategy.

        Raises
        ------
        CallbackExternalError, CallbackTimeoutError
            When the external system answered with a failure, or did not answer in time.
        CallbackSubmitterError
            When the submitter failed for good.
        """
        return run_wait_for_callback(self, submitter, name, config)

    def wait_for_condition(
        self,
        check: Callable[[T, WaitForConditionCheckContext], T],
        config: WaitForConditionConfig[T],
        name: str | None = None,
    ) -> T:
        """Poll ``check`` until ``config.wait_strategy`` stops, suspending between polls; return the final state.

        Parameters
        ----------
        check
            ``check(state, WaitForConditionCheckContext) -> new state``; the first poll gets
            ``config.initial_state``, each later one the state the previous poll returned.
        config
            The wait strategy (``create_wait_strategy`` builds one), the initial state and the serdes.
        name
            Shown in the history.

        Raises
        ------
        WaitForConditionError
            When the check or the wait strategy raised (attempts exhausted included): the
            operation is checkpointed FAILED, and a replay raises the same error.
        """
        return run_wait_for_condition(self, check, config, name)

    def invoke(
        self, function_name: str, payload: P_, name: str | None = None, config: InvokeConfig[P_, R_] | None = None
    ) -> R_:
        """Invoke another Lambda function (durable or not) and return its result; suspends until it finishes.

        Parameters
        ----------
        function_name
            Name or ARN of the function to invoke.
        payload
            Its input, serialized with ``config.serdes_payload`` (default plain JSON).
        name
            Shown in the history.
        config
            Payload and result serdes, tenant id.

        Raises
        ------
        InvokeError
            When the target function failed, timed out or was stopped.
        """
        return run_invoke(self, function_name, payload, name, config)


def _underlying(logger: Any) -> Any:
    """The logger records are written to: the one inside a durable :class:`Logger`, or the workflow default."""
    if logger is None:
        return _default_logger
    return logger.get_logger() if isinstance(logger, Logger) else logger


def __getattr__(name: str) -> Any:
    """``durable_parallel_branch`` here too, as in the official SDK's context module (loaded on first use)."""
    if name == "durable_parallel_branch":
        from powertools_durable.operations.batch import durable_parallel_branch  # noqa: PLC0415

        return durable_parallel_branch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
