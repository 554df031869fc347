"""Configuration of ``context.parallel`` and ``context.map``, with the official SDK's names and defaults.

The completion vocabulary (``CompletionConfig``, the custom ``should_complete`` decision and the
snapshot it reads) lives here too, because both operations and :class:`BatchResult` share it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from powertools_durable.exceptions import ValidationError

if TYPE_CHECKING:
    from powertools_durable.serdes import SerDes

T = TypeVar("T")

SummaryGenerator = Callable[[Any], str]


class NestingType(Enum):
    """How each branch or iteration of a batch is recorded.

    ``NESTED`` checkpoints one CONTEXT operation per branch (``ParallelBranch`` / ``MapIteration``);
    ``FLAT`` runs branches in virtual contexts that checkpoint nothing of their own, so their
    operations appear directly under the batch's CONTEXT operation (fewer operations, less to see).
    """

    NESTED = "NESTED"
    FLAT = "FLAT"


class BatchItemStatus(Enum):
    """The status of one branch or iteration in a :class:`BatchResult`."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STARTED = "STARTED"


class CompletionOutcome(Enum):
    """Whether a custom completion decision ends the batch as a success or a failure."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class CompletionDecision:
    """What a ``should_complete`` predicate answers: go on, or complete now with an outcome.

    Build it with :func:`continue_batch` or :func:`complete_batch`.
    """

    complete: bool
    outcome: CompletionOutcome | None = None

    def __post_init__(self) -> None:
        if self.complete and self.outcome is None:
            raise ValidationError("outcome is required when complete is True")
        if not self.complete and self.outcome is not None:
            raise ValidationError("outcome must be None when complete is False")


def continue_batch() -> CompletionDecision:
    """Do not complete the batch yet."""
    return CompletionDecision(complete=False)


def complete_batch(outcome: CompletionOutcome = CompletionOutcome.SUCCEEDED) -> CompletionDecision:
    """Complete the batch now, as a success (default) or a failure."""
    return CompletionDecision(complete=True, outcome=outcome)


@dataclass(frozen=True)
class CompletionItemStatus:
    """One branch as a ``should_complete`` predicate sees it; ``status`` is ``None`` until it starts."""

    index: int
    name: str | None = None
    status: BatchItemStatus | None = None


@dataclass(frozen=True)
class CompletionStatus:
    """The progress snapshot passed to ``should_complete``; ``items[i]`` is always branch ``i``."""

    success_count: int
    failure_count: int
    completed_count: int
    total_count: int
    items: tuple[CompletionItemStatus, ...] = ()


@dataclass(frozen=True)
class CompletionConfig:
    """When a batch completes.

    Parameters
    ----------
    min_successful
        Complete as soon as this many branches succeeded.
    tolerated_failure_count
        Stop once more than this many branches failed.
    tolerated_failure_percentage
        Stop once more than this share (0-100) of all branches failed.
    should_complete
        ``CompletionStatus -> CompletionDecision``, a deterministic, monotonic predicate that
        replaces the three thresholds (it cannot be combined with them).

    With no criterion at all, the first failure stops the batch (fail fast). Whatever the
    criteria, the batch completes once every branch finished.
    """

    min_successful: int | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_percentage: int | float | None = None
    should_complete: Callable[[CompletionStatus], CompletionDecision] | None = None

    def __post_init__(self) -> None:
        if self.min_successful is not None and self.min_successful < 1:
            raise ValidationError(f"min_successful must be at least 1, got: {self.min_successful}")
        if self.tolerated_failure_count is not None and self.tolerated_failure_count < 0:
            raise ValidationError(f"tolerated_failure_count must be non-negative, got: {self.tolerated_failure_count}")
        percentage = self.tolerated_failure_percentage
        if percentage is not None and not 0 <= percentage <= 100:
            raise ValidationError(f"tolerated_failure_percentage must be between 0 and 100, got: {percentage}")
        if self.should_complete is not None and not callable(self.should_complete):
            raise ValidationError("should_complete must be callable")
        if self.should_complete is not None and (
            self.min_successful is not None or self.tolerated_failure_count is not None or percentage is not None
        ):
            raise ValidationError(
                "should_complete cannot be combined with min_successful, "
                "tolerated_failure_count, or tolerated_failure_percentage"
            )

    def _validate_for_total(self, total: int) -> None:
        """Refuse a ``min_successful`` larger than the batch, before any operation is recorded."""
        if self.min_successful is not None and self.min_successful > total:
            raise ValidationError(f"min_successful cannot be greater than total items: {self.min_successful} > {total}")

    @staticmethod
    def first_successful() -> CompletionConfig:
        """Complete as soon as one branch succeeded."""
        return CompletionConfig(min_successful=1)

    @staticmethod
    def all_completed() -> CompletionConfig:
        """Run every branch whatever fails (100 % tolerated failures)."""
        return CompletionConfig(tolerated_failure_percentage=100)

    @staticmethod
    def all_successful() -> CompletionConfig:
        """Stop at the first failure."""
        return CompletionConfig(tolerated_failure_count=0, tolerated_failure_percentage=0)


def _check_max_concurrency(value: int | None) -> None:
    if value is not None and value < 1:
        raise ValidationError(f"max_concurrency must be at least 1, got: {value}")


@dataclass(frozen=True)
class ParallelConfig:
    """Configuration of ``context.parallel``.

    Parameters
    ----------
    max_concurrency
        At most this many branches in flight (a suspended branch keeps its slot); ``None``: all.
    completion_config
        When the batch completes (default: every branch must succeed).
    serdes
        Serdes of the whole :class:`BatchResult`, and of each branch when ``item_serdes`` is unset.
    item_serdes
        Serdes of each branch's result.
    summary_generator
        ``BatchResult -> str``: stored under ``"summary"`` in the checkpoint of a result over 256 KiB.
    nesting_type
        ``NESTED`` (one CONTEXT operation per branch) or ``FLAT`` (virtual branches).
    """

    max_concurrency: int | None = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig.all_successful)
    serdes: SerDes[Any] | None = None
    item_serdes: SerDes[Any] | None = None
    summary_generator: SummaryGenerator | None = None
    nesting_type: NestingType = NestingType.NESTED

    def __post_init__(self) -> None:
        _check_max_concurrency(self.max_concurrency)


@dataclass(frozen=True)
class ParallelBranch(Generic[T]):
    """A branch of ``context.parallel`` with a name (shown in the history instead of ``parallel-branch-{i}``)."""

    func: Callable[..., T]
    name: str | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        return self.func(*args, **kwargs)


@dataclass(frozen=True)
class MapConfig(Generic[T]):
    """Configuration of ``context.map``.

    Parameters
    ----------
    max_concurrency
        At most this many iterations in flight (a suspended one keeps its slot); ``None``: all.
    completion_config
        When the batch completes (default: fail fast on the first failed item).
    serdes
        Serdes of the whole :class:`BatchResult`, and of each item when ``item_serdes`` is unset.
    item_serdes
        Serdes of each iteration's result.
    summary_generator
        ``BatchResult -> str``: stored under ``"summary"`` in the checkpoint of a result over 256 KiB.
    nesting_type
        ``NESTED`` (one CONTEXT operation per iteration) or ``FLAT`` (virtual iterations).
    item_namer
        ``(item, index) -> name`` of each iteration (default ``map-item-{index}``); called for every
        item when the map starts and on every replay, so it must be deterministic.
    """

    max_concurrency: int | None = None
    completion_config: CompletionConfig = field(default_factory=CompletionConfig)
    serdes: SerDes[Any] | None = None
    item_serdes: SerDes[Any] | None = None
    summary_generator: SummaryGenerator | None = None
    nesting_type: NestingType = NestingType.NESTED
    item_namer: Callable[[T, int], str] | None = None

    def __post_init__(self) -> None:
        _check_max_concurrency(self.max_concurrency)
