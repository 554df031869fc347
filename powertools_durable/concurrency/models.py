"""The official SDK's ``concurrency.models`` names, where a handler moving over imports them from.

The classes live with their concepts (:mod:`.batch` the results, :mod:`.policy` the completion
policy and record); the official module's branch bookkeeping (``Branch``, ``BranchEvent`` …) is its
executor's internals and has no counterpart here.
"""

from powertools_durable.concurrency.batch import BatchCompletionError, BatchItem, BatchResult, CompletionReason
from powertools_durable.concurrency.policy import CompletionPolicy, CompletionRecord, envelope_summary_generator

__all__ = [
    "BatchCompletionError",
    "BatchItem",
    "BatchResult",
    "CompletionPolicy",
    "CompletionReason",
    "CompletionRecord",
    "envelope_summary_generator",
]
