"""One invocation's instrumentation plugins: built from their factories, and every hook dispatched.

The engine holds a :class:`PluginRunner` only when at least one factory is registered
(``ExecutionState.plugins`` is ``None`` otherwise), so an execution without plugins pays one
``is None`` test per operation: no info is built, no list walked.

Isolation: a factory or hook that raises is logged (``powertools_durable`` logger, ERROR) and
skipped; only ``KeyboardInterrupt``, ``SystemExit`` and ``GeneratorExit``, which tell the thread
to stop, go through. ``on_invocation_end`` reaches every plugin even then.
"""

from __future__ import annotations

import copy
import datetime
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.concurrency.batch import ErrorObject
from powertools_durable.exceptions import SuspendExecution
from powertools_durable.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    OperationChangeInfo,
    OperationEndInfo,
    OperationInfo,
    OperationStartInfo,
    OperationType,
    PropagationInput,
    PropagationMetadata,
    UserFunctionEndInfo,
    UserFunctionOutcome,
    UserFunctionStartInfo,
)
from powertools_durable.service.wire import OperationStatus, WireDict, error_object

if TYPE_CHECKING:
    from powertools_durable.context import OperationHandle
    from powertools_durable.replay.state import ExecutionState

T = TypeVar("T")

logger = logging.getLogger(__name__)

_CONTROL = (KeyboardInterrupt, SystemExit, GeneratorExit)
_TERMINAL = frozenset(
    {
        OperationStatus.SUCCEEDED,
        OperationStatus.FAILED,
        OperationStatus.TIMED_OUT,
        OperationStatus.CANCELLED,
        OperationStatus.STOPPED,
    }
)
_HOOKS: dict[type, str] = {
    InvocationStartInfo: "on_invocation_start",
    InvocationEndInfo: "on_invocation_end",
    OperationStartInfo: "on_operation_start",
    OperationEndInfo: "on_operation_end",
    OperationChangeInfo: "on_operation_change",
    UserFunctionStartInfo: "on_user_function_start",
    UserFunctionEndInfo: "on_user_function_end",
}


def _is_plugin(value: object) -> bool:
    """Ours, or the official SDK's base class (a plugin written for it works unchanged)."""
    return isinstance(value, DurableInstrumentationPlugin) or any(
        klass.__name__ == "DurableInstrumentationPlugin" for klass in type(value).__mro__
    )


def _overrides(plugin: object, hook: str) -> bool:
    """Whether ``plugin`` does something in ``hook`` (a base-class default does nothing: not worth an info)."""
    kind = type(plugin)
    if kind.__getattribute__ is not object.__getattribute__ or hasattr(kind, "__getattr__"):
        return True  # answers attributes dynamically: assume it may
    for klass in kind.__mro__:
        if hook in vars(klass):
            return klass.__name__ != "DurableInstrumentationPlugin"
    return False


def _contained(error: BaseException, message: str, *args: object) -> None:
    """Log ``error``; re-raise it when it tells the thread to stop."""
    if isinstance(error, _CONTROL):
        raise error
    logger.error(message, *args, exc_info=error)


_OPERATION_TYPES = {member.value: member for member in OperationType}


def _make(cls: type[T], fields: dict[str, Any]) -> T:
    """A frozen info built from all its ``fields`` without its generated ``__init__`` (a third of the cost).

    Used for the two infos built per step attempt.
    """
    info: T = object.__new__(cls)
    info.__dict__.update(fields)
    return info


def _info_map(operations: Iterable[WireDict]) -> dict[str, OperationInfo]:
    return {op["Id"]: OperationInfo.from_operation(op) for op in operations}


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class PluginRunner:
    """The plugin instances of one invocation, and the engine's calls into them (thread-safe)."""

    def __init__(
        self,
        state: ExecutionState,
        plugins: list[Any],
        start_info: InvocationStartInfo,
        snapshots: bool = True,
        updated_ids: frozenset[str] = frozenset(),
    ) -> None:
        self._state = state
        self._snapshots = snapshots
        self._start_ops = dict(state.operations) if snapshots else {}  # the wire dicts the start info describes
        self._plugins = plugins
        # Per hook, the plugins that override it: a hook nobody overrides costs no info at all.
        self._listeners = {hook: [p for p in plugins if _overrides(p, hook)] for hook in _HOOKS.values()}
        self._wants_start = bool(self._listeners["on_operation_start"])
        self._wants_end = bool(self._listeners["on_operation_end"])
        self._wants_change = bool(self._listeners["on_operation_change"])
        self._wants_user = bool(self._listeners["on_user_function_start"] or self._listeners["on_user_function_end"])
        self.watches_changes = self._wants_change or self._wants_end  # read by ExecutionState._merge
        self._start_info = start_info
        self._updated_ids = updated_ids  # UpdatedOperationIds, whether or not the start info maps them
        self._lock = threading.Lock()
        self._ended: set[str] = set()
        self._pending_ends: dict[str, WireDict] = {}
        self._pending_change: dict[str, WireDict] = {}

    @classmethod
    def start(
        cls,
        factories: Sequence[Any],
        state: ExecutionState,
        lambda_context: Any,
        execution_input: Any,
        updated_operation_ids: Sequence[str] = (),
    ) -> PluginRunner:
        """Build this invocation's plugins, attach them to ``state`` and send them ``on_invocation_start``."""
        # A factory declaring ``operation_snapshots = False`` (the Powertools ones) never reads the maps.
        snapshots = any(getattr(factory, "operation_snapshots", True) for factory in factories)
        execution = state.execution_operation()
        operations = _info_map(state.operations.values() if snapshots else [execution])
        try:
            snapshot = copy.deepcopy(execution_input)
        except Exception:  # the plugins' copy must never break the execution
            logger.exception("could not copy the execution input for plugins; they see None")
            snapshot = None
        info = InvocationStartInfo(
            request_id=getattr(lambda_context, "aws_request_id", None),
            execution_arn=state.durable_execution_arn,
            is_first_invocation=not state.replayable,
            execution_start_time=operations[execution["Id"]].start_time,
            execution_input=snapshot,
            operations=operations,
            updated_operations={op_id: operations[op_id] for op_id in updated_operation_ids if op_id in operations},
        )
        plugins: list[Any] = []
        for factory in factories:
            try:
                plugin = factory.create_plugin(info)
            except BaseException as error:  # a factory must not fail the execution
                _contained(error, "Plugin factory %s exception ignored", type(factory).__qualname__)
                continue
            if not _is_plugin(plugin):
                logger.error(
                    "Plugin factory %s returned %s, which is not a DurableInstrumentationPlugin; plugin ignored",
                    type(factory).__qualname__,
                    type(plugin).__qualname__,
                )
                continue
            plugins.append(plugin)
        runner = cls(state, plugins, info, snapshots, frozenset(updated_operation_ids))
        state.plugins = runner
        runner.dispatch(info)
        return runner

    def dispatch(self, info: Any, *, every_plugin: bool = False) -> None:
        """Call the hook ``info`` is for on every plugin, on this thread, each failure contained."""
        hook = _HOOKS[type(info)]
        held: BaseException | None = None
        for plugin in self._listeners[hook]:
            try:
                getattr(plugin, hook)(info)
            except BaseException as error:  # a hook must not fail the execution
                try:
                    _contained(error, "Plugin %s exception ignored in %s", type(plugin).__qualname__, hook)
                except BaseException as control:  # held until every plugin had its hook
                    if not every_plugin:
                        raise
                    held = held or control
        if held is not None:
            raise held

    # --- operations ---------------------------------------------------------------------------

    def before_update(self, update: WireDict) -> None:
        """``on_operation_start`` for a START about to be queued (replayed when the operation existed)."""
        if not self._wants_start or update.get("Action") != "START":
            return
        self.dispatch(
            OperationStartInfo(
                operation_id=update["Id"],
                operation_type=OperationType(update["Type"]),
                sub_type=update.get("SubType"),
                name=update.get("Name"),
                parent_id=update.get("ParentId"),
                start_time=None,
                is_replayed=self._state.get(update["Id"]) is not None,
                status=OperationStatus.STARTED,
            )
        )

    def replayed(self, recorded: WireDict) -> None:
        """A checkpointed operation met again: ``on_operation_start`` if unfinished, ``on_operation_end`` if
        it finished while the execution was suspended (``UpdatedOperationIds``) and was not reported yet.
        """
        status = recorded["Status"]
        if status not in _TERMINAL:
            if not self._wants_start:
                return
            info = OperationInfo.from_operation(recorded, is_replayed=True)
            self.dispatch(OperationStartInfo(**_fields(info)))
        elif self._wants_end and recorded["Id"] in self._updated_ids:
            self._end(recorded, is_replayed=True)

    def merged(self, changed: list[WireDict]) -> None:
        """Operations a checkpoint response changed (any thread): their hooks wait for :meth:`drain`."""
        if not (self._wants_change or self._wants_end):
            return
        with self._lock:
            for op in changed:
                if self._wants_change:
                    self._pending_change[op["Id"]] = op
                if self._wants_end and op["Status"] in _TERMINAL and op["Id"] not in self._ended:
                    self._pending_ends[op["Id"]] = op

    def drain(self) -> None:
        """Run, on this thread, the end hooks and the change notification the responses left pending."""
        if not (self._pending_ends or self._pending_change):  # another thread's are drained by its own call
            return
        with self._lock:
            ends, self._pending_ends = list(self._pending_ends.values()), {}
            changed, self._pending_change = self._pending_change, {}
        for op in ends:
            self._end(op, is_replayed=False)
        if changed:
            self.dispatch(
                OperationChangeInfo(
                    execution_arn=self._state.durable_execution_arn,
                    updated_operations=_info_map(changed.values()),
                    operations=_info_map(list(self._state.operations.values())),
                )
            )

    def _end(self, op: WireDict, *, is_replayed: bool) -> None:
        with self._lock:
            if op["Id"] in self._ended:
                return
            self._ended.add(op["Id"])
            self._pending_ends.pop(op["Id"], None)
        info = OperationInfo.from_operation(op, is_replayed=is_replayed)
        self.dispatch(OperationEndInfo(**_fields(info)))

    def child_returned(self, op: OperationHandle, error: WireDict | None, *, is_replayed: bool) -> None:
        """``on_operation_end`` of a child context that writes no terminal checkpoint (virtual, ReplayChildren)."""
        if not self._wants_end:
            return
        self.dispatch(
            OperationEndInfo(
                operation_id=op.id,
                operation_type=_OPERATION_TYPES[op.type],
                sub_type=op.sub_type,
                name=op.name,
                parent_id=op.parent_id,
                start_time=None,
                is_replayed=is_replayed,
                status=OperationStatus.FAILED if error else OperationStatus.SUCCEEDED,
                end_time=_now(),
                error=ErrorObject.from_dict(error) if error else None,
            )
        )

    def run_user_function(
        self, op: OperationHandle, attempt: int | None, body: Callable[[], T], *, is_replay_children: bool = False
    ) -> T:
        """Run ``body`` (a step attempt, a condition check, a child context's function) between its hooks."""
        if not self._wants_user:
            return body()
        start = _make(
            UserFunctionStartInfo,
            {
                "operation_id": op.id,
                "operation_type": _OPERATION_TYPES[op.type],
                "sub_type": op.sub_type,
                "name": op.name,
                "parent_id": op.parent_id,
                "start_time": _now(),
                "is_replayed": False,
                "status": OperationStatus.STARTED,
                "end_time": None,
                "result": None,
                "error": None,
                "attempt": attempt,
                "is_replay_children": is_replay_children,
            },
        )
        self.dispatch(start)
        try:
            value = body()
        except SuspendExecution as exc:
            self._user_function_ended(start, None, UserFunctionOutcome.INCOMPLETE, exception=exc)
            raise
        except Exception as exc:
            failure = ErrorObject.from_dict(error_object(exc))
            self._user_function_ended(start, failure, UserFunctionOutcome.FAILED, exception=exc)
            raise
        self._user_function_ended(start, None, UserFunctionOutcome.SUCCEEDED, value=value)
        return value

    def _user_function_ended(
        self,
        start: UserFunctionStartInfo,
        error: ErrorObject | None,
        outcome: UserFunctionOutcome,
        *,
        value: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        fields = {**start.__dict__, "outcome": outcome, "end_time": _now(), "error": error}
        fields["value"], fields["exception"] = value, exception
        info = _make(UserFunctionEndInfo, fields)
        self.dispatch(info)

    def propagation_metadata(self, op: OperationHandle, function_name: str) -> PropagationMetadata:
        """The first non-blank ``x_amzn_trace_id`` the plugins provide for a new chained invoke."""
        info = PropagationInput(self._state.durable_execution_arn, op.id, function_name, op.parent_id)
        for plugin in self._plugins:
            try:
                metadata = plugin.provide_propagation_metadata(info)
                if metadata is None:
                    continue
                if not isinstance(metadata, PropagationMetadata) and type(metadata).__name__ != "PropagationMetadata":
                    raise TypeError("expected PropagationMetadata or None")
                trace_id = metadata.x_amzn_trace_id
                if trace_id is not None and not isinstance(trace_id, str):
                    raise TypeError("x_amzn_trace_id must be a string or None")
            except BaseException as error:  # a hook must not fail the execution
                _contained(error, "Plugin %s propagation metadata failure ignored", type(plugin).__qualname__)
                continue
            if trace_id and trace_id.strip():
                return PropagationMetadata(x_amzn_trace_id=str(trace_id))
        return PropagationMetadata()

    # --- the end ------------------------------------------------------------------------------

    def end_invocation(self, output: Mapping[str, Any]) -> None:
        """Run what is still pending, then ``on_invocation_end`` on every plugin (``output``: the envelope)."""
        held: BaseException | None = None
        try:
            self.drain()
        except BaseException as control:  # only thread control reaches here
            held = control
        operations = None
        if self._snapshots:  # an operation no response replaced since the start keeps its start info
            known = self._start_info.operations
            start_ops = self._start_ops
            operations = {
                op_id: known[op_id] if start_ops.get(op_id) is op else OperationInfo.from_operation(op)
                for op_id, op in list(self._state.operations.items())
            }
        info = InvocationEndInfo.from_durable_execution_invocation_output(self._start_info, output, operations)
        self.dispatch(info, every_plugin=True)
        if held is not None:
            raise held


def _fields(info: Any) -> dict[str, Any]:
    """An info's fields by name, to rebuild it as another info class (shallow: no copy of values)."""
    return {name: getattr(info, name) for name in info.__dataclass_fields__}
