"""Objects handed to user code and the protocols it may implement, with the official SDK's names.

Nothing here imports the engine: the context classes refer to it only in annotations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from powertools_durable.lazy import lazy_exports

C_contra = TypeVar("C_contra", contravariant=True)

# The official ``types`` module also names these; ours live with what uses them (resolved late: they import this).
__getattr__, _ = lazy_exports(
    __name__,
    {
        "Callback": "powertools_durable.operations.callback",
        "DurableContext": "powertools_durable.context",
        "WaitForCallbackContext": "powertools_durable.operations.wait_for_callback",
        "WaitForConditionCheckContext": "powertools_durable.operations.wait_for_condition",
    },
    globals(),
)


class LambdaContext(Protocol):
    """Lambda's context object, as the official SDK describes it; this package reads only a few of them."""

    aws_request_id: str
    log_group_name: str | None = None
    log_stream_name: str | None = None
    function_name: str | None = None
    memory_limit_in_mb: str | None = None
    function_version: str | None = None
    invoked_function_arn: str | None = None
    tenant_id: str | None = None
    client_context: Any | None = None
    identity: Any | None = None

    def get_remaining_time_in_millis(self) -> int: ...


class LoggerInterface(Protocol):
    """What ``DurableContext.set_logger`` accepts: a stdlib ``logging.Logger``, a Powertools ``Logger`` …"""

    def debug(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def info(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def warning(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def error(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def exception(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...


@dataclass(frozen=True)
class OperationContext:
    """What user code running inside an operation receives: a logger carrying the operation's keys."""

    logger: Any


@dataclass(frozen=True)
class StepContext(OperationContext):
    """What a step function receives: its logger and which attempt this is (1 on the first run)."""

    attempt: int = 1
    operation_id: str = field(default="", kw_only=True)
    operation_name: str | None = field(default=None, kw_only=True)


class SummaryGenerator(Protocol[C_contra]):
    """Turns a result too large to checkpoint into a compact JSON summary (the child is replayed instead)."""

    def __call__(self, result: C_contra) -> str: ...


# arn:<partition>:lambda:<region>:<account>:function:<name>:<version>/durable-execution/<execution>/<invocation>
_DURABLE_EXECUTION_ARN = re.compile(
    r"^arn:[^:]*:lambda:[^:]*:[^:]*:function:([^:/]+):[^:/]+/durable-execution/([^/]+)/([^/]+)$"
)


@dataclass(frozen=True)
class DurableExecutionArn:
    """The parts of a durable execution ARN: function, execution name and invocation id."""

    function_name: str
    execution_name: str
    invocation_id: str

    @classmethod
    def from_arn(cls, arn: str) -> DurableExecutionArn | None:
        """The parts of ``arn``, or ``None`` when it is not a durable execution ARN."""
        match = _DURABLE_EXECUTION_ARN.match(arn)
        if match is None:
            return None
        return cls(function_name=match.group(1), execution_name=match.group(2), invocation_id=match.group(3))
