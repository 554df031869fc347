"""Deterministic operation ids, derived exactly as AWS's official SDK derives them.

The n-th operation (1-based) of a context gets ``blake2b(str(n))``, or ``blake2b(f"{parent}-{n}")``
inside a child context, as 64 hex characters. Same code, same ids: an execution started by
either SDK can be resumed by the other.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from powertools_durable.exceptions import NonDeterministicExecutionError
from powertools_durable.service.wire import WireDict


@lru_cache(maxsize=16384)
def operation_id(prefix: str | None, position: int) -> str:
    """The id of the operation at ``position`` (1-based) in the context named ``prefix``."""
    key = f"{prefix}-{position}" if prefix else str(position)
    return hashlib.blake2b(key.encode()).hexdigest()[:64]


def check_identity(
    recorded: WireDict, op_id: str, op_type: str, sub_type: str, name: str | None, parent_id: str | None
) -> None:
    """Raise :class:`NonDeterministicExecutionError` when the checkpoint is not this operation.

    The message names the operation, what the checkpoint recorded and what the code asked for,
    for every field that differs.
    """
    if (
        recorded["Type"] == op_type
        and recorded.get("SubType") == sub_type
        and (recorded.get("Name") or None) == (name or None)
        and (recorded.get("ParentId") or None) == (parent_id or None)
    ):
        return
    mismatches = [
        f"{label}: recorded {_plain(got)!r}, code asks for {_plain(want)!r}"
        for label, got, want in (
            ("type", recorded["Type"], op_type),
            ("subtype", recorded.get("SubType"), sub_type),
            ("name", recorded.get("Name") or None, name or None),
            ("parent", recorded.get("ParentId") or None, parent_id or None),
        )
        if got != want
    ]
    raise NonDeterministicExecutionError(
        f"non-deterministic replay at operation {op_id}: "
        + "; ".join(mismatches)
        + ". The code no longer runs the operations this execution recorded; "
        "deploy a new version for new executions instead of changing a running workflow.",
        step_id=op_id,
    )


def _plain(value: object) -> object:
    """A wire value as the service spells it (``'STEP'``, not ``<OperationType.STEP: 'STEP'>``)."""
    return str(value) if isinstance(value, str) else value
