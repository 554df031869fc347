"""Checks of the parts of a service answer the engine reads: a malformed answer is transient, never a verdict.

Whatever CheckpointDurableExecution or GetDurableExecutionState answers is data from outside: a field
of the wrong shape raises :class:`~powertools_durable.exceptions.CheckpointError`, an
:class:`~powertools_durable.exceptions.InvocationError`, so the invocation fails and Lambda retries it.
"""

from __future__ import annotations

from typing import Any

from powertools_durable.exceptions import CheckpointError
from powertools_durable.service.envelope import operation_problem
from powertools_durable.service.wire import WireDict


def malformed(operation: str, problem: str) -> str:
    """The message of a malformed answer to ``operation``."""
    return f"{operation} answered with a malformed response ({problem}); the invocation will be retried"


def checked_operations(operations: Any, operation: str) -> list[WireDict]:
    """``operations`` from a service answer, checked for the fields the engine reads."""
    if operations is None:
        return []
    if not isinstance(operations, list):
        raise CheckpointError(malformed(operation, f"Operations is a {type(operations).__name__}, not a list"))
    for index, op in enumerate(operations):
        problem = operation_problem(op)
        if problem is not None:
            raise CheckpointError(malformed(operation, f"Operations[{index}]{problem[0]} {problem[1]}"))
    return operations


def checked_marker(marker: Any, operation: str) -> str | None:
    """``NextMarker`` from a service answer: a non-empty string, or None when there is no next page."""
    if marker is None or marker == "":
        return None
    if not isinstance(marker, str):
        raise CheckpointError(malformed(operation, f"NextMarker is a {type(marker).__name__}, not a string"))
    return marker
