"""``DurableContext``: what a durable handler receives in place of Lambda's context.

It hands out deterministic operation ids in call order, checks each against the checkpoint
recorded at that id, and delegates the work to :mod:`powertools_durable.operations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

from powertools_durable.config import (
    CallbackConfig,
    ChildConfig,
    Duration,
    InvokeConfig,
    StepConfig,
    WaitForCallbackConfig,
)
from powertools_durable.exceptions import NonDeterministicExecutionError
from powertools_durable.hooks import NO_HOOKS, DurableHooks
from powertools_durable.logger import Logger, LogInfo
from powertools_durable.operations.callback import Callback, create_callback
from powertools_durable.operations.child import (
    durable_with_child_context,  # noqa: F401 - the official SDK has it here
    run_child,
)
from powertools_durable.operations.invoke import run_invoke
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
from powertools_durable.replay.identity import check_identity, operation_id
from powertools_durable.replay.state import ExecutionState
from powertools_durable.serdes import SerDes
from powertools_durable.service.wire import WireDict
from powertools_durable.types import LambdaContext, LoggerInterface, StepContext

T = TypeVar("T")
P = ParamSpec("P")
P_ = TypeVar("P_")
R_ = TypeVar("R_")

_default_logger = logging.getLogger("powertools_durable.workflow")


@dataclass(frozen=True)
class ExecutionContext:
    """Read-only facts about the running execution."""

    durable_execution_arn: str


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


class DurableContext:
    """The durable operations of one execution, for one invocation.

    Satisfies Powertools' ``DurableContextProtocol`` (``lambda_context`` and ``state``), so
    Powertools' Logger, Metrics and Idempotency recognise it.
    """

    def __init__(
        self,
        state: ExecutionState,
        lambda_context: LambdaContext | None = None,
        logger: Any = None,
        parent_id: str | None = None,
        serdes: SerDes[Any] | None = None,
        hooks: DurableHooks = NO_HOOKS,
        log_replay: bool = False,
    ) -> None:
        self._state = state
        self._lambda_context = lambda_context
        self._parent_id = parent_id
        self._position = 0
        self._unvisited = set(state.replayable_under(parent_id))
        self.log_replay = log_replay
        self.logger = Logger.from_log_info(
            _underlying(logger),
            LogInfo(state, parent_id),
            self._silent_while_replaying,
        )
        self.default_serdes = serdes
        self.hooks = hooks
        self.execution_context = ExecutionContext(state.durable_execution_arn)

    @property
    def state(self) -> ExecutionState:
        return self._state

    @property
    def lambda_context(self) -> LambdaContext | None:
        return self._lambda_context

    @property
    def operations(self) -> Mapping[str, WireDict]:
        return self._state.operations

    @property
    def parent_id(self) -> str | None:
        """The id of the CONTEXT operation this context runs in (``None`` at the top level)."""
        return self._parent_id

    def is_replaying(self) -> bool:
        """True while this context re-runs operations an earlier invocation already checkpointed.

        Each child context answers for its own operations: a child that is new in this invocation
        is not replaying even while its parent is, and a finished child's operations, never
        visited again, do not keep its parent replaying.
        """
        return bool(self._unvisited)

    def _silent_while_replaying(self) -> bool:
        return bool(self._unvisited) and not self.log_replay

    def set_logger(self, new_logger: LoggerInterface) -> None:
        """Write ``context.logger`` (and this context's operations' loggers) through ``new_logger``.

        Records keep this context's keys and are still dropped while it replays.
        """
        self.logger = Logger.from_log_info(
            new_logger, LogInfo(self._state, self._parent_id), self._silent_while_replaying
        )

    def child_context(self, operation_id: str) -> DurableContext:
        """A context whose operations are namespaced under (and parented to) ``operation_id``."""
        return DurableContext(
            self._state,
            self._lambda_context,
            logger=self.logger,
            parent_id=operation_id,
            serdes=self.default_serdes,
            hooks=self.hooks,
            log_replay=self.log_replay,
        )

    def begin_operation(self, op_type: str, sub_type: str, name: str | None) -> OperationHandle:
        """Allocate the next id, check the checkpoint at it, and mark it visited."""
        self._state.raise_if_doomed()
        self._position += 1
        op_id = operation_id(self._parent_id, self._position)
        recorded = self._state.get(op_id)
        if recorded is not None:
            try:
                check_identity(recorded, op_id, op_type, sub_type, name, self._parent_id)
            except NonDeterministicExecutionError as exc:
                self._state.fail_execution(exc)  # user code catching it must not let the run diverge
                raise
            self._unvisited.discard(op_id)
        return OperationHandle(op_id, str(op_type), str(sub_type), name, self._parent_id, recorded)

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


def durable_step(func: Callable[Concatenate[StepContext, P], T]) -> Callable[P, Callable[[StepContext], T]]:
    """Turn ``f(step_context, *args)`` into ``f(*args)`` returning a step callable named ``f``.

    Example
    -------
    >>> @durable_step
    ... def reserve(step: StepContext, order_id: str) -> dict: ...
    >>> context.step(reserve("o-1"))  # doctest: +SKIP
    """

    def bind(*args: P.args, **kwargs: P.kwargs) -> Callable[[StepContext], T]:
        def call(step_context: StepContext) -> T:
            return func(step_context, *args, **kwargs)

        call._original_name = func.__name__  # type: ignore[attr-defined]
        return call

    bind.__name__ = func.__name__
    bind.__doc__ = func.__doc__
    return bind
