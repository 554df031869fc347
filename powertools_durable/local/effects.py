"""What a committed change makes happen next, as data: applied only after its commit succeeded.

A checkpoint (or any other change of an execution) decides its effects while it holds the
execution's lock, commits, and only then hands them to the scheduler. A batch that is refused
or fails to commit therefore starts nothing: no orphan target of a chained invoke, no timer,
no invocation. An effect lost to a crash between the commit and its application is found
again from the store by :meth:`~powertools_durable.local.chained.ChainedInvokes.recover` and
:meth:`~powertools_durable.local.scheduler.Scheduler.recover`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from powertools_durable.local.store import ExecutionRecord
from powertools_durable.service.wire import WireDict


@dataclass(frozen=True)
class Launch:
    """A new execution was committed (an Invoke, or a chained invoke's target): arm its timeout and run it."""

    record: ExecutionRecord


@dataclass(frozen=True)
class Ended:
    """An execution's end was committed: drop its timers; a chained invoke's target reports to its caller."""

    record: ExecutionRecord


@dataclass(frozen=True)
class RunPlain:
    """Invoke a plain (non-durable) function once for the chained invoke ``operation_id`` of ``arn``."""

    arn: str
    operation_id: str
    spec: Any
    payload: str


@dataclass(frozen=True)
class CompleteChained:
    """The chained invoke ``operation_id`` of ``arn`` ended without running (e.g. its target does not exist)."""

    arn: str
    operation_id: str
    status: str
    error: WireDict


@dataclass(frozen=True)
class Reinvoke:
    """``arn`` can go on: look at it (and invoke it if something is due)."""

    arn: str


Effect = Launch | Ended | RunPlain | CompleteChained | Reinvoke
