"""What ``local start`` prints per invocation, as ``sam local start-lambda`` users expect to see it.

Each invocation is one block, written whole once it ends (concurrent invocations never interleave)::

    START RequestId: 5b1e… Version: $LATEST Function: OrderFunction Execution: order-42
    …the function's output (stdout and stderr)…
    END RequestId: 5b1e…
    REPORT RequestId: 5b1e…  Duration: 12.31 ms  Billed Duration: 13 ms  Memory Size: 128 MB

Durations are wall time. ``--quiet`` prints none of it.
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any, TextIO

from powertools_durable.local.invoker import FunctionLike, OutcomeLike

_SHOWN_ERRORS = ("Sandbox.Timedout", "Runtime.ExitError")


class InvocationPrinter:
    """Prints START / output / END / REPORT for each invocation to ``stream`` (stdout by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def __call__(self, spec: FunctionLike, event: Any, outcome: OutcomeLike) -> None:
        text = format_invocation(spec, event, outcome)
        with self._lock:
            print(text, file=self.stream or sys.stdout, flush=True)


def format_invocation(spec: FunctionLike, event: Any, outcome: OutcomeLike) -> str:
    """One invocation's block of lines."""
    request = outcome.request_id
    execution = event.get("DurableExecutionArn") if isinstance(event, dict) else None
    where = f" Function: {spec.function_name}" + (f" Execution: {_execution_name(execution)}" if execution else "")
    lines = [f"START RequestId: {request} Version: $LATEST{where}"]
    if outcome.logs:
        lines.append(outcome.logs.rstrip("\n"))
    error = outcome.error or {}
    if error.get("ErrorType") in _SHOWN_ERRORS:
        lines.append(f"{error.get('ErrorMessage')} ({error['ErrorType']})")
    duration = max(0, outcome.end_ms - outcome.start_ms)
    report = [
        f"REPORT RequestId: {request}",
        f"Duration: {duration:.2f} ms",
        f"Billed Duration: {max(1, math.ceil(duration))} ms",
        f"Memory Size: {spec.memory_size} MB",
    ]
    status = _status(outcome.output)
    if error:
        report.append(f"Error: {error.get('ErrorType')}")
    elif status:
        report.append(f"Status: {status}")
    lines += [f"END RequestId: {request}", "\t".join(report)]
    return "\n".join(lines)


def _execution_name(arn: str) -> str:
    """``…/durable-execution/{name}/{id}`` → name (the ARN's readable part)."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn


def _status(output: Any) -> str | None:
    """The durable invocation's outcome (SUCCEEDED, PENDING, FAILED), when it returned an envelope."""
    return output.get("Status") if isinstance(output, dict) and isinstance(output.get("Status"), str) else None
