"""A seam for tools that re-run a handler as Lambda calls it, with another client, never running a step body.

The replayer (``powertools-durable replay``) calls the user's Lambda handler exactly as Lambda
would, Powertools decorators and all, but must talk to a client that records nothing and must
never run a step body. Setting :data:`invocation_override` for the duration of that call makes
:func:`~powertools_durable.execution.run_invocation` use its client, hand it the root context and
call its ``guard_step`` before any step body would run; it is ``None`` (no effect, one
``ContextVar.get`` per invocation) everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from powertools_durable.service.client import DurableServiceClient

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext


@dataclass(frozen=True)
class InvocationOverride:
    client: DurableServiceClient
    on_context: Callable[[DurableContext], None]
    guard_step: Callable[[Any], None]  # called with the step's OperationHandle; raises to stop the body


invocation_override: ContextVar[InvocationOverride | None] = ContextVar(
    "powertools_durable_invocation_override", default=None
)
