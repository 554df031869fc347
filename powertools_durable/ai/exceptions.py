"""Errors of the Pydantic AI integration: each names what went wrong and what to do."""

from __future__ import annotations

from powertools_durable.exceptions import DurableExecutionsError, ValidationError


class NotInDurableHandlerError(DurableExecutionsError):
    """A durable agent ran outside an ``async def`` durable handler (no async context to checkpoint into)."""


class ApprovalAnswerError(ValidationError):
    """The answer to a tool-approval callback is not ``{"approved": bool, "reason": str | null}``."""
