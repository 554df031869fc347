"""Objects handed to user code: the step's context and what a Lambda context looks like."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class LambdaContext(Protocol):
    """The parts of Lambda's context object this package reads."""

    aws_request_id: str
    function_name: str

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class StepContext:
    """What a step function receives: its logger and which attempt this is (1 on the first run)."""

    logger: Any
    attempt: int = 1
    operation_id: str = field(default="", kw_only=True)
    operation_name: str | None = field(default=None, kw_only=True)
