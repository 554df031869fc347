"""Configuration values of durable operations, with the official SDK's names and signatures."""

from __future__ import annotations

import math
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from powertools_durable.exceptions import ValidationError

if TYPE_CHECKING:
    from powertools_durable.retries import RetryDecision
    from powertools_durable.serdes import SerDes

T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")


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

    def apply_jitter(self, delay: float) -> float:
        """``delay`` with this jitter: unchanged (NONE), uniform in [0, delay] (FULL) or [delay/2, delay] (HALF)."""
        if self is JitterStrategy.NONE:
            return delay
        if self is JitterStrategy.HALF:
            return delay / 2 + random.random() * delay / 2
        return random.random() * delay

    def finalize_delay(self, base_delay: float) -> int:
        """The jittered delay in whole seconds, rounded up, never below the service's minimum of 1."""
        return max(1, math.ceil(self.apply_jitter(base_delay)))


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


@dataclass(frozen=True)
class ChildConfig(Generic[T]):
    """Configuration of one child context (``run_in_child_context``).

    Parameters
    ----------
    serdes
        How the child's result is written to and read from its checkpoint; ``None`` uses the
        handler's default serdes.
    sub_type
        Label recorded on the CONTEXT operation (default ``"RunInChildContext"``).
    summary_generator
        ``result -> str``: what is checkpointed instead of a result larger than 256 KiB (default
        ``""``); the operation is then marked ``ReplayChildren`` and a replay re-runs the child from
        its children's checkpoints to rebuild the result.
    is_virtual
        Checkpoint nothing for the child itself (no CONTEXT operation in the history): its
        operations are namespaced under its id but report this context's parent. FLAT batch
        branches are virtual children.
    """

    serdes: SerDes[Any] | None = None
    sub_type: str | None = None
    summary_generator: Callable[[T], str] | None = None
    is_virtual: bool = False

    def __post_init__(self) -> None:
        validate_sub_type(self.sub_type)


@dataclass(frozen=True)
class CallbackConfig:
    """Configuration of one callback (``create_callback``).

    Parameters
    ----------
    timeout
        How long the external system has to answer; zero (the default) waits forever.
    heartbeat_timeout
        How long the external system may stay silent between heartbeats; zero means no limit.
    serdes
        How the answer is read; ``None`` returns the payload string as the external system sent it.
    sub_type
        Label recorded on the CALLBACK operation (default ``"Callback"``).
    """

    timeout: Duration = field(default_factory=Duration)
    heartbeat_timeout: Duration = field(default_factory=Duration)
    serdes: SerDes[Any] | None = None
    sub_type: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        validate_sub_type(self.sub_type)

    @property
    def timeout_seconds(self) -> int:
        return self.timeout.to_seconds()

    @property
    def heartbeat_timeout_seconds(self) -> int:
        return self.heartbeat_timeout.to_seconds()


@dataclass(frozen=True)
class WaitForCallbackConfig(CallbackConfig):
    """Configuration of ``wait_for_callback``: the callback's, plus the retries of the submitter step.

    Parameters
    ----------
    retry_strategy
        ``(error, attempt) -> RetryDecision`` of the submitter step; ``None`` uses the default.
    """

    retry_strategy: Callable[[Exception, int], RetryDecision] | None = None


@dataclass(frozen=True)
class InvokeConfig(Generic[P, R]):
    """Configuration of one chained invoke (``context.invoke``).

    Parameters
    ----------
    serdes_payload
        How the payload is written for the target function (default: plain JSON).
    serdes_result
        How the target function's result is read (default: plain JSON).
    tenant_id
        The tenant the target function is invoked for (tenant-isolated functions).
    """

    serdes_payload: SerDes[P] | None = None
    serdes_result: SerDes[R] | None = None
    tenant_id: str | None = None


# The official SDK's config module also holds the fan-out configs; here they load on first use, so a
# handler that never fans out does not import them on its cold start.
_FANOUT = frozenset(
    {
        "BatchItemStatus",
        "CompletionConfig",
        "CompletionDecision",
        "CompletionItemStatus",
        "CompletionOutcome",
        "CompletionStatus",
        "MapConfig",
        "NestingType",
        "ParallelBranch",
        "ParallelConfig",
        "complete_batch",
        "continue_batch",
    }
)


def __getattr__(name: str) -> Any:
    if name in _FANOUT:
        from powertools_durable.concurrency import config as fanout  # noqa: PLC0415 - lazy, see above

        return getattr(fanout, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FANOUT})
