"""Replay-safe values for workflow code: ``context.now()``, ``context.uuid4()``, ``context.random()``.

Code outside a step runs again on every replay, so a clock read, a uuid or a random draw there
differs each time. These helpers return the same value at the same point of the code on every
replay, and cost no checkpoint call in the common case: nothing new is recorded, every value is
derived from what the execution already recorded.

- ``uuid4()`` and ``random()`` hash (execution ARN, the context's id namespace, the number of
  operations the context has begun, which draw of that kind this is since that operation) with
  BLAKE2b. The ARN makes them differ between executions; the context's namespace makes each
  parallel/map branch draw from its own sequence, whatever the threads' scheduling.
- ``now()`` is a time the service recorded (the design of AWS's Java SDK, which derives its
  deterministic trace ids from the execution and the operation, applied to time): the end of the
  last operation this context completed (``EndTimestamp``; a callback's ``StartTimestamp``, since
  its answer may arrive after code went past it), or, before the context's first operation, the
  start of the operation that encloses it (the EXECUTION's start at the top level). Time does not
  move between two operations, and moves past a ``wait`` to the moment the service ended it.

The position must be settled for that to hold: the helpers refuse to run inside a step body
(the body runs once; use ``uuid.uuid4()`` there) or on a context other than the running one (a
parent captured in a branch's closure would draw in scheduling order).
"""

from __future__ import annotations

import hashlib
import random as _random
import uuid as _uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from powertools_durable.current import current_context
from powertools_durable.exceptions import ReplaySafetyError
from powertools_durable.replay.identity import operation_id
from powertools_durable.service.wire import TERMINAL_STATUSES, OperationType, WireDict

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Lambda's invocation event carries epoch milliseconds, the API's rest-json epoch seconds: a number
# this large is milliseconds (as seconds it would be past the year 5000).
_MILLIS_THRESHOLD = 100_000_000_000


@dataclass
class Draws:
    """How many values of each kind a context drew since it began its latest operation."""

    position: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def next(self, position: int, kind: str) -> int:
        if position != self.position:
            self.position = position
            self.counts.clear()
        index = self.counts.get(kind, 0)
        self.counts[kind] = index + 1
        return index


def seed(ctx: DurableContext, prefix: str | None, position: int, draws: Draws, kind: str) -> bytes:
    """32 bytes, the same at this point of the code on every replay of this execution."""
    settled_operation(ctx, prefix, position, kind)
    index = draws.next(position, kind)
    key = f"{ctx.state.durable_execution_arn}\x00{prefix or ''}\x00{position}\x00{kind}\x00{index}"
    return hashlib.blake2b(key.encode(), digest_size=32).digest()


def uuid_from(digest: bytes) -> _uuid.UUID:
    """A version 4 UUID made of ``digest`` (the version and variant bits set as RFC 9562 says)."""
    return _uuid.UUID(bytes=digest[:16], version=4)


def random_from(digest: bytes) -> _random.Random:
    """A ``random.Random`` seeded with ``digest`` (int seeding: the same sequence in every process)."""
    return _random.Random(int.from_bytes(digest, "big"))


def now(ctx: DurableContext, prefix: str | None, position: int) -> datetime:
    """The recorded time of this point of the code (UTC, millisecond resolution): see the module doc."""
    latest = settled_operation(ctx, prefix, position, "now")
    millis = None
    if latest is not None:
        stamp = "StartTimestamp" if latest["Type"] == OperationType.CALLBACK else "EndTimestamp"
        millis = epoch_millis(latest.get(stamp)) or epoch_millis(latest.get("StartTimestamp"))
    if millis is None:
        millis = _enclosing_start(ctx)
    return EPOCH + timedelta(milliseconds=millis)


def settled_operation(ctx: DurableContext, prefix: str | None, position: int, helper: str) -> WireDict | None:
    """The context's latest operation, checked to be over (``None`` before its first one).

    Raises :class:`ReplaySafetyError` when called on another context than the running one, or
    while that operation is still running (inside a step body).
    """
    if current_context.get() is not ctx:
        raise ReplaySafetyError(
            f"context.{helper}() was called on a context other than the one whose code is running: call it on "
            "the context your function received (a branch's or child's own), so its value depends on that "
            "context's operations only, never on the order threads run in"
        )
    if position == 0:
        return None
    op_id = operation_id(prefix, position)
    recorded = ctx.state.get(op_id)
    if not _settled(recorded) and _queued(ctx, op_id, ("SUCCEED", "FAIL", "CANCEL")):
        ctx.state.flush()  # an outcome still queued (uncommon): one call, so the first run sees what a replay sees
        recorded = ctx.state.get(op_id)
    if recorded is None or not _settled(recorded):
        raise ReplaySafetyError(
            f"context.{helper}() was called while operation {op_id} is still running (inside a step body?): "
            "a step's body runs once and its result is checkpointed, so use uuid.uuid4(), random or "
            "datetime.now() there, and the context's helpers in the workflow code around it"
        )
    return recorded


def _queued(ctx: DurableContext, op_id: str, actions: tuple[str, ...]) -> bool:
    """Whether an update of ``op_id`` with one of ``actions`` waits in the checkpointer's queue."""
    return any(u["Id"] == op_id and u["Action"] in actions for u in ctx.state.checkpointer.pending)


def _settled(recorded: WireDict | None) -> bool:
    """Over, or a callback (its answer may come later: only its start counts)."""
    if recorded is None:
        return False
    return recorded["Type"] == OperationType.CALLBACK or recorded.get("Status") in TERMINAL_STATUSES


def _enclosing_start(ctx: DurableContext) -> int:
    """When the operation enclosing ``ctx`` started: its CONTEXT operation's, or the EXECUTION's."""
    parent_id = ctx.parent_id
    if parent_id is not None:
        recorded = ctx.state.get(parent_id)
        if (recorded is None or recorded.get("StartTimestamp") is None) and _queued(ctx, parent_id, ("START",)):
            ctx.state.flush()  # a child's START rides along with its first checkpoint: record it now
            recorded = ctx.state.get(parent_id)
        millis = epoch_millis((recorded or {}).get("StartTimestamp"))
        if millis is not None:
            return millis
    millis = epoch_millis(ctx.state.execution_operation().get("StartTimestamp"))
    if millis is None:
        raise ReplaySafetyError(
            "context.now() found no StartTimestamp on the EXECUTION operation: the service recorded no time to return"
        )
    return millis


def epoch_millis(value: Any) -> int | None:
    """A wire timestamp as whole epoch milliseconds, whichever form it came in (``None`` if none).

    Epoch milliseconds (the invocation event), epoch seconds (the API's rest-json), a ``datetime``
    (boto3) or an ISO 8601 string (``local history --json``) of one instant give the same number.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return (aware - EPOCH) // timedelta(milliseconds=1)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    micros = round(value * 1000) if abs(value) >= _MILLIS_THRESHOLD else round(value * 1_000_000)
    return micros // 1000
