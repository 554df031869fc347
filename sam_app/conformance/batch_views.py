"""The projections of a BatchResult that the parallel (8-x) and map (9-x) requirements compare."""

from __future__ import annotations

from typing import Any

from powertools_durable import BatchResult


def projection(result: BatchResult[Any], *extra: str) -> dict[str, Any]:
    """``completionReason``, ``successCount``, ``totalCount``, plus ``status`` / ``failureCount`` when asked."""
    view: dict[str, Any] = {"completionReason": result.completion_reason.value}
    if "status" in extra:
        view["status"] = result.status.value
    view["successCount"] = result.success_count
    if "failureCount" in extra:
        view["failureCount"] = result.failure_count
    view["totalCount"] = result.total_count
    return view
