"""When a batch completes, and the record of that decision a large batch result leaves behind.

:class:`CompletionPolicy` is the one place that reads a :class:`CompletionConfig`: the executor
asks it whether to start more branches and whether the batch is complete, and
:class:`BatchResult` asks it for a completion reason.

A batch result over the checkpoint limit is not stored; the parent operation's SUCCEED carries
the official SDK's JSON envelope instead (``totalCount``, ``completionReason``, the started or
completed indexes, counts, and the user's ``summary``), and a replay rebuilds the result from the
branches' own checkpoints as that record says (:class:`CompletionRecord`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from powertools_durable.concurrency.batch import BatchItem, BatchResult, CompletionReason
from powertools_durable.concurrency.config import (
    BatchItemStatus,
    CompletionConfig,
    CompletionDecision,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionStatus,
)

if TYPE_CHECKING:
    from powertools_durable.concurrency.config import SummaryGenerator


def item_statuses(items: Sequence[BatchItem[Any]]) -> tuple[CompletionItemStatus, ...]:
    return tuple(CompletionItemStatus(index=item.index, status=item.status) for item in items)


@dataclass(frozen=True)
class CompletionPolicy:
    """The completion criteria of a batch of ``total`` branches.

    A ``should_complete`` predicate, when set, alone decides early completion. With no criterion
    at all, one failure exceeds the tolerance (fail fast). Every batch completes once all its
    branches finished.
    """

    total: int
    min_successful: int | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_percentage: int | float | None = None
    should_complete: Callable[[CompletionStatus], CompletionDecision] | None = None

    @classmethod
    def from_config(cls, total: int, config: CompletionConfig | None) -> CompletionPolicy:
        if config is None:
            return cls(total)
        return cls(
            total,
            config.min_successful,
            config.tolerated_failure_count,
            config.tolerated_failure_percentage,
            config.should_complete,
        )

    @property
    def has_criteria(self) -> bool:
        return (
            self.min_successful is not None
            or self.tolerated_failure_count is not None
            or self.tolerated_failure_percentage is not None
        )

    def is_tolerance_exceeded(self, failed: int) -> bool:
        if self.should_complete is not None:
            return False
        if not self.has_criteria:
            return failed > 0
        if self.tolerated_failure_count is not None and failed > self.tolerated_failure_count:
            return True
        if self.tolerated_failure_percentage is not None and self.total > 0:
            return failed / self.total * 100 > self.tolerated_failure_percentage
        return False

    def should_continue(self, failed: int) -> bool:
        """True while more branches may start."""
        return not self.is_tolerance_exceeded(failed)

    def evaluate(
        self, succeeded: int, failed: int, items: tuple[CompletionItemStatus, ...] = ()
    ) -> CompletionDecision | None:
        """Run the predicate once for this state (``None`` without one)."""
        if self.should_complete is None:
            return None
        return self.should_complete(CompletionStatus(succeeded, failed, succeeded + failed, self.total, items))

    def is_complete(
        self,
        succeeded: int,
        failed: int,
        items: tuple[CompletionItemStatus, ...] = (),
        decision: CompletionDecision | None = None,
    ) -> bool:
        if self.should_complete is not None:
            decision = decision if decision is not None else self.evaluate(succeeded, failed, items)
            if decision is not None and decision.complete:
                return True
        if succeeded + failed >= self.total:
            return True
        return self.min_successful is not None and succeeded >= self.min_successful

    def reason(
        self,
        succeeded: int,
        failed: int,
        items: tuple[CompletionItemStatus, ...] = (),
        decision: CompletionDecision | None = None,
    ) -> CompletionReason:
        if self.is_tolerance_exceeded(failed):
            return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
        if self.should_complete is not None:
            decision = decision if decision is not None else self.evaluate(succeeded, failed, items)
            if decision is not None and decision.complete:
                if decision.outcome is CompletionOutcome.FAILED:
                    return CompletionReason.CUSTOM_COMPLETION_FAILED
                return CompletionReason.CUSTOM_COMPLETION_SUCCEEDED
        if succeeded + failed >= self.total:
            return CompletionReason.ALL_COMPLETED
        if self.min_successful is not None and succeeded >= self.min_successful:
            return CompletionReason.MIN_SUCCESSFUL_REACHED
        return CompletionReason.ALL_COMPLETED


@dataclass(frozen=True)
class CompletionRecord:
    """The completion decision a large batch result's summary recorded.

    Branches start in index order, so the started ones are ``range(started_total)``;
    ``started_indexes`` are those still running (STARTED) when the batch completed.
    """

    completion_reason: CompletionReason
    started_total: int
    started_indexes: frozenset[int]

    @classmethod
    def from_summary_payload(cls, payload: str | None) -> CompletionRecord | None:
        """The record in ``payload``, or ``None`` when it holds none (never raises: the payload is data)."""
        try:
            data = json.loads(payload) if payload else None
        except (TypeError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        total = data.get("totalCount")
        reason = data.get("completionReason")
        if not isinstance(reason, str) or type(total) is not int or total < 0:
            return None
        try:
            completion_reason = CompletionReason(reason)
        except ValueError:
            return None
        started, completed = data.get("startedIndexes"), data.get("completedIndexes")
        if isinstance(started, list):
            indexes = _indexes(started, total)
            return None if indexes is None else cls(completion_reason, total, indexes)
        if isinstance(completed, list):
            indexes = _indexes(completed, total)
            return None if indexes is None else cls(completion_reason, total, frozenset(range(total)) - indexes)
        return None

    @staticmethod
    def summary_index_fields(items: Sequence[BatchItem[Any]]) -> dict[str, list[int]]:
        """The smaller of the started / completed index sets, so the record stays compact either way."""
        started = [item.index for item in items if item.status is BatchItemStatus.STARTED]
        completed = [item.index for item in items if item.status is not BatchItemStatus.STARTED]
        return {"startedIndexes": started} if len(started) <= len(completed) else {"completedIndexes": completed}

    @staticmethod
    def summary_envelope(result: BatchResult[Any], result_type: str, summary: str | None) -> str:
        """The SUCCEED payload of a batch too large to checkpoint: the completion record plus counts."""
        fields: dict[str, Any] = {
            "type": result_type,
            "totalCount": result.total_count,
            "completionReason": result.completion_reason.value,
            **CompletionRecord.summary_index_fields(result.all),
            "startedCount": result.started_count,
            "successCount": result.success_count,
            "failureCount": result.failure_count,
            "status": result.status.value,
        }
        if summary is not None:
            fields["summary"] = summary if isinstance(summary, str) else str(summary)
        return json.dumps(fields)


def _indexes(raw: list[Any], total: int) -> frozenset[int] | None:
    if all(type(value) is int and 0 <= value < total for value in raw):
        return frozenset(raw)
    return None


def envelope_summary_generator(result_type: str, custom_generator: SummaryGenerator | None) -> Callable[[Any], str]:
    """The parent's summary generator: the SDK's record, with the user's summary (if any) inside."""

    def generate(result: BatchResult[Any]) -> str:
        summary = custom_generator(result) if custom_generator is not None else None
        return CompletionRecord.summary_envelope(result, result_type, summary)

    return generate
