"""A seam for tools that re-run a handler as Lambda calls it, with another client and hooks.

The replayer (``powertools-durable replay``) calls the user's Lambda handler exactly as Lambda
would, Powertools decorators and all, but must talk to a client that records nothing and must
never run a step body. Setting :data:`invocation_override` for the duration of that call makes
:func:`~powertools_durable.execution.run_invocation` use its client and wrap its hooks; it is
``None`` (no effect, one ``ContextVar.get``) everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from powertools_durable.hooks import DurableHooks
from powertools_durable.service.client import DurableServiceClient


@dataclass(frozen=True)
class InvocationOverride:
    client: DurableServiceClient
    wrap_hooks: Callable[[DurableHooks], DurableHooks]


invocation_override: ContextVar[InvocationOverride | None] = ContextVar(
    "powertools_durable_invocation_override", default=None
)
