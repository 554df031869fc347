"""``DurableContext``: what a durable handler receives in place of Lambda's context.

It hands out deterministic operation ids in call order, checks each against the checkpoint
recorded at that id, and delegates the work to :mod:`powertools_durable.operations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

from powertools_durable.config import Duration, StepConfig
from powertools_durable.exceptions import NonDeterministicExecutionError
from powertools_durable.hooks import NO_HOOKS, DurableHooks
from powertools_durable.operations.step import run_step
from powertools_durable.operations.wait import run_wait
from powertools_durable.replay.identity import check_identity, operation_id
from powertools_durable.replay.state import ExecutionState
from powertools_durable.serdes import SerDes
from powertools_durable.service.wire import WireDict
from powertools_durable.types import LambdaContext, StepContext

T = TypeVar("T")
P = ParamSpec("P")

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
    ) -> None:
        self._state = state
        self._lambda_context = lambda_context
        self._parent_id = parent_id
        self._position = 0
        self._unvisited = set(state.replayable)
        self.logger: Any = logger if logger is not None else _default_logger
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

    def is_replaying(self) -> bool:
        """True while the code is re-running operations an earlier invocation already checkpointed."""
        return bool(self._unvisited)

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
