"""What a test inspects after a run: the execution's outcome, history, logs and operations by name.

``run.operation("charge")`` finds an operation by the name given to ``step`` / ``wait`` /
``create_callback`` / ``run_in_child_context`` ... (AWS's testing library reads them the same
way), with its status, decoded result, error, attempts and children.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from powertools_durable.local.timeline import readable
from powertools_durable.service.wire import OperationStatus, OperationType, WireDict

_DETAILS = ("StepDetails", "CallbackDetails", "ContextDetails", "ChainedInvokeDetails", "ExecutionDetails")


def decode(payload: str | None) -> Any:
    """A payload as the handler saw it (JSON, the SDK's tagged envelope unwrapped); the text if not JSON."""
    if payload is None:
        return None
    try:
        return readable(json.loads(payload))
    except json.JSONDecodeError:
        return payload


@dataclass(frozen=True)
class Operation:
    """One operation of an execution, as the service holds it."""

    raw: WireDict
    children: list[Operation] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.raw["Id"])

    @property
    def name(self) -> str | None:
        return self.raw.get("Name")

    @property
    def type(self) -> str:
        return str(self.raw["Type"])

    @property
    def status(self) -> str:
        return str(self.raw["Status"])

    @property
    def _details(self) -> WireDict:
        for key in _DETAILS:
            if self.raw.get(key):
                details: WireDict = self.raw[key]
                return details
        return {}

    @property
    def result(self) -> Any:
        """The JSON-decoded result (a step's return value, a callback's answer...)."""
        return decode(self._details.get("Result"))

    @property
    def error(self) -> WireDict | None:
        error: WireDict | None = self._details.get("Error")
        return error

    @property
    def attempts(self) -> int:
        """How many times a step ran, the running one included (0 for an operation that is not a step)."""
        if self.type != "STEP":
            return 0
        failed = int((self.raw.get("StepDetails") or {}).get("Attempt") or 0)  # the service counts failed ones
        return failed + (1 if self.status in ("SUCCEEDED", "STARTED") else 0)

    @property
    def callback_id(self) -> str | None:
        callback_id: str | None = (self.raw.get("CallbackDetails") or {}).get("CallbackId")
        return callback_id

    @property
    def child_operations(self) -> list[Operation]:
        """The children (the name AWS's testing library gives them)."""
        return self.children

    def child(self, name: str) -> Operation:
        """A direct child by name."""
        return _by_name(self.children, name, f"operation {self.name!r}")

    get_operation_by_name = child


def operations(raw: list[WireDict]) -> list[Operation]:
    """The operations as a tree (children under their parent), in the order they started."""
    nodes = {op["Id"]: Operation(op) for op in raw}
    for op in raw:
        parent = nodes.get(op.get("ParentId") or "")
        if parent is not None:
            parent.children.append(nodes[op["Id"]])
    return list(nodes.values())


def pending_callback(ops: list[WireDict], name: str | None) -> str | None:
    """The id of the latest started, unanswered callback named ``name`` (any when ``None``), as AWS's testing
    library picks it: the callback's own name, its parent's (``wait_for_callback``) or its create-id step's."""
    names = {op["Id"]: op.get("Name") for op in ops}
    for op in reversed(ops):
        if op["Type"] != OperationType.CALLBACK or op["Status"] != OperationStatus.STARTED:
            continue
        own, parent = op.get("Name"), names.get(op.get("ParentId") or "")
        if name is None or name in (own, parent) or own == f"{name} create callback id":
            callback_id: str | None = (op.get("CallbackDetails") or {}).get("CallbackId")
            if callback_id:
                return callback_id
    return None


def error_object(error: BaseException | WireDict | str | None) -> WireDict:
    """A callback failure as the API's ``ErrorObject``: from an exception, a mapping or a message."""
    if isinstance(error, BaseException):
        return {"ErrorType": type(error).__name__, "ErrorMessage": str(error)}
    if isinstance(error, str):
        return {"ErrorMessage": error}
    return dict(error or {})


def _by_name(candidates: list[Operation], name: str, where: str) -> Operation:
    found = [op for op in candidates if op.name == name]
    if not found:
        names = sorted({op.name for op in candidates if op.name})
        raise KeyError(f"no operation named {name!r} in {where}; named ones: {', '.join(names) or 'none'}")
    return found[0]


@dataclass
class ExecutionResult:
    """How an execution ended: status, JSON-decoded result, error object, full history, logs, operations."""

    arn: str
    status: str
    result: Any = None
    error: WireDict | None = None
    history: list[WireDict] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)

    def events(self, event_type: str) -> list[WireDict]:
        """The history's events of one ``EventType``."""
        return [e for e in self.history if e["EventType"] == event_type]

    def operation(self, name: str) -> Operation:
        """The first operation named ``name`` (at any depth); :class:`KeyError` listing the names if none."""
        return _by_name(self.operations, name, f"execution {self.arn}")

    # the names of AWS's testing library (its result's get_step("charge") ...), for tests moving over
    get_operation_by_name = get_step = get_wait = get_context = get_callback = get_invoke = operation
