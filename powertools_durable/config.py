"""Configuration values of durable operations, with the official SDK's names and signatures."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any

from powertools_durable.exceptions import ValidationError

if TYPE_CHECKING:
    from powertools_durable.retries import RetryDecision
    from powertools_durable.serdes import SerDes


@dataclass(frozen=True)
class Duration:
    """A span of time in whole seconds (the service's resolution)."""

    seconds: int = 0

    def __post_init__(self) -> None:
        if self.seconds < 0:
            msg = f"Duration must not be negative, got {self.seconds} seconds"
            raise ValidationError(msg)

    def to_seconds(self) -> int:
        return self.seconds

    @classmethod
    def from_seconds(cls, value: float) -> Duration:
        return cls(seconds=int(value))

    @classmethod
    def from_minutes(cls, value: float) -> Duration:
        return cls(seconds=int(value * 60))

    @classmethod
    def from_hours(cls, value: float) -> Duration:
        return cls(seconds=int(value * 3600))

    @classmethod
    def from_days(cls, value: float) -> Duration:
        return cls(seconds=int(value * 86400))


class StepSemantics(Enum):
    """How often one attempt of a step may run its body."""

    AT_MOST_ONCE_PER_RETRY = "AT_MOST_ONCE_PER_RETRY"
    AT_LEAST_ONCE_PER_RETRY = "AT_LEAST_ONCE_PER_RETRY"


class JitterStrategy(StrEnum):
    """How much randomness is applied to a retry delay."""

    NONE = "NONE"
    FULL = "FULL"
    HALF = "HALF"


_SUB_TYPE_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")
_SUB_TYPE_MAX_LENGTH = 32


def validate_sub_type(sub_type: str | None) -> None:
    """Reject a custom subtype the service would refuse (1-32 of ``A-Za-z0-9-_``)."""
    if not sub_type:
        return
    if len(sub_type) > _SUB_TYPE_MAX_LENGTH or not set(sub_type) <= _SUB_TYPE_CHARACTERS:
        msg = f"sub_type {sub_type!r} must be 1-32 characters from A-Z, a-z, 0-9, '-' and '_'"
        raise ValidationError(msg)


@dataclass(frozen=True)
class StepConfig:
    """Configuration of one step.

    Parameters
    ----------
    retry_strategy
        ``(error, attempt) -> RetryDecision``; ``None`` uses ``RetryPresets.default()``.
    step_semantics
        ``AT_LEAST_ONCE_PER_RETRY`` (default) or ``AT_MOST_ONCE_PER_RETRY``.
    serdes
        How the step's result is written to and read from its checkpoint.
    sub_type
        Label recorded on the operation (default ``"Step"``).
    """

    retry_strategy: Callable[[Exception, int], RetryDecision] | None = None
    step_semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY
    serdes: SerDes[Any] | None = None
    sub_type: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        validate_sub_type(self.sub_type)
