"""What ``context.parallel`` and ``context.map`` return: a :class:`BatchResult` of :class:`BatchItem`.

The dictionary forms (``to_dict`` / ``from_dict``) are the official SDK's, since the whole batch
is checkpointed as the parent operation's result (tag ``"br"`` of the default serdes) and either
SDK must read what the other wrote.
"""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass
from enum import Enum
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NoReturn, TypeVar, cast

from powertools_durable.concurrency.config import BatchItemStatus, CompletionConfig
from powertools_durable.exceptions import ChildContextError, DurableOperationError
from powertools_durable.service.wire import error_object, operation_error

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

logger = logging.getLogger(__name__)

R = TypeVar("R")


_NULL_JSON = '{"t":"n","v":null}'


def _tagged_json(value: Any, encode: Callable[[Any], Any], dumps: Callable[[Any], str]) -> str:
    """``dumps(encode(value))``, directly for the results most batches return."""
    kind = type(value)
    if value is None:
        return _NULL_JSON
    if kind is int:
        return '{"t":"i","v":' + str(value) + "}"
    if kind is str:
        return '{"t":"s","v":' + encode_basestring_ascii(value) + "}"
    return dumps(encode(value))


class CompletionReason(Enum):
    """Why a batch completed."""

    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"
    CUSTOM_COMPLETION_SUCCEEDED = "CUSTOM_COMPLETION_SUCCEEDED"
    CUSTOM_COMPLETION_FAILED = "CUSTOM_COMPLETION_FAILED"


class BatchCompletionError(DurableOperationError):
    """Raised by :meth:`BatchResult.throw_if_error` when a custom decision completed the batch as failed."""

    def __init__(
        self,
        completion_reason: CompletionReason = CompletionReason.CUSTOM_COMPLETION_FAILED,
        message: str | None = None,
        error_type: str | None = None,
        data: str | None = None,
        stack_trace: list[str] | None = None,
    ) -> None:
        super().__init__(
            message or f"Batch completed as failed by should_complete ({completion_reason.value})",
            error_type,
            data,
            stack_trace,
        )
        self.completion_reason = completion_reason


@dataclass(frozen=True)
class ErrorObject:
    """A failure as the service records it (``ErrorMessage``, ``ErrorType``, ``ErrorData``, ``StackTrace``)."""

    message: str | None
    type: str | None
    data: str | None
    stack_trace: list[str] | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErrorObject:
        return cls(data.get("ErrorMessage"), data.get("ErrorType"), data.get("ErrorData"), data.get("StackTrace"))

    @classmethod
    def from_exception(cls, exception: BaseException) -> ErrorObject:
        return cls.from_dict(error_object(exception))

    @classmethod
    def from_message(cls, message: str) -> ErrorObject:
        return cls(message, None, None, None)

    def to_dict(self) -> dict[str, Any]:
        fields = (
            ("ErrorMessage", self.message),
            ("ErrorType", self.type),
            ("ErrorData", self.data),
            ("StackTrace", self.stack_trace),
        )
        return {key: value for key, value in fields if value is not None}

    def to_durable_operation_error(self) -> DurableOperationError:
        return DurableOperationError(self.message, self.type, self.data, self.stack_trace)

    def raise_as_operation_error(self, operation_error_cls: builtins.type[DurableOperationError]) -> NoReturn:
        """Raise ``operation_error_cls`` built from this error, its ``__cause__`` carrying the original type."""
        raise operation_error(operation_error_cls, self.to_dict())


@dataclass(frozen=True)
class BatchItem(Generic[R]):
    """One branch or iteration: its index, status, and result or error."""

    index: int
    status: BatchItemStatus
    result: R | None = None
    error: ErrorObject | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "status": self.status.value,
            "result": self.result,
            "error": self.error.to_dict() if self.error else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchItem[R]:
        error = data.get("error")
        return cls(
            index=data["index"],
            status=BatchItemStatus(data["status"]),
            result=data.get("result"),
            error=ErrorObject.from_dict(error) if error else None,
        )


@dataclass(frozen=True)
class BatchResult(Generic[R]):
    """Every started branch of a batch, in index order, and why the batch completed.

    Branches never started (the batch completed first) are not listed; ``total_count`` counts
    the listed ones.
    """

    _BATCH_RESULT_TAG: ClassVar[bool] = True  # the default serdes writes it with the official "br" tag

    all: list[BatchItem[R]]
    completion_reason: CompletionReason

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], completion_config: CompletionConfig | None = None) -> BatchResult[R]:
        items: list[BatchItem[R]] = [BatchItem.from_dict(item) for item in data["all"]]
        reason = data.get("completionReason")
        if reason is None:
            result: BatchResult[R] = cls.from_items(items, completion_config)
            logger.warning(
                "BatchResult without completionReason: inferred %r from its items", result.completion_reason.value
            )
            return result
        return cls(items, CompletionReason(reason))

    @classmethod
    def from_items(cls, items: list[BatchItem[R]], completion_config: CompletionConfig | None = None) -> BatchResult[R]:
        """Infer the completion reason from the items (exact only when every branch is listed)."""
        from powertools_durable.concurrency.policy import CompletionPolicy, item_statuses  # noqa: PLC0415

        policy = CompletionPolicy.from_config(len(items), completion_config)
        succeeded = sum(1 for item in items if item.status is BatchItemStatus.SUCCEEDED)
        failed = sum(1 for item in items if item.status is BatchItemStatus.FAILED)
        return cls(items, policy.reason(succeeded, failed, item_statuses(items)))

    def to_dict(self) -> dict[str, Any]:
        return {"all": [item.to_dict() for item in self.all], "completionReason": self.completion_reason.value}

    def tagged_fields(self, encode: Callable[[Any], Any]) -> dict[str, Any]:
        """``encode(self.to_dict())["v"]``, built directly: the tagged form of a 1,000-item batch in half the time.

        ``encode`` is the serdes' encoder, used for what only it knows: each result and error.
        """
        null = {"t": "n", "v": None}
        items = [
            {
                "t": "m",
                "v": {
                    "index": {"t": "i", "v": item.index},
                    "status": {"t": "s", "v": item.status.value},
                    "result": null if item.result is None else encode(item.result),
                    "error": null if item.error is None else encode(item.error.to_dict()),
                },
            }
            for item in self.all
        ]
        return {"all": {"t": "l", "v": items}, "completionReason": {"t": "s", "v": self.completion_reason.value}}

    def tagged_json(self, encode: Callable[[Any], Any], dumps: Callable[[Any], str]) -> str:
        """``dumps(encode(self))``, written item by item: the same text without building the whole tree.

        The SUCCEED payload of a map is written once, at its end, on the critical path: as one tree
        of ~5 dicts per item it cost 8-12 ms for 1,000 items in a loaded process; the common results
        (``int``, ``str``, ``None``) are written here directly, anything else through ``encode``.
        """
        items = ",".join(
            '{"t":"m","v":{"index":{"t":"i","v":'
            + str(item.index)
            + '},"status":{"t":"s","v":"'
            + item.status.value
            + '"},"result":'
            + _tagged_json(item.result, encode, dumps)
            + ',"error":'
            + (_NULL_JSON if item.error is None else dumps(encode(item.error.to_dict())))
            + "}}"
            for item in self.all
        )
        reason = self.completion_reason.value
        return '{"t":"br","v":{"all":{"t":"l","v":[' + items + ']},"completionReason":{"t":"s","v":"' + reason + '"}}}'

    def _with(self, status: BatchItemStatus) -> list[BatchItem[R]]:
        return [item for item in self.all if item.status is status]

    def succeeded(self) -> list[BatchItem[R]]:
        return self._with(BatchItemStatus.SUCCEEDED)

    def failed(self) -> list[BatchItem[R]]:
        return self._with(BatchItemStatus.FAILED)

    def started(self) -> list[BatchItem[R]]:
        return self._with(BatchItemStatus.STARTED)

    @property
    def status(self) -> BatchItemStatus:
        """FAILED when an item failed or a custom decision failed the batch, else SUCCEEDED."""
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            return BatchItemStatus.FAILED
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_SUCCEEDED:
            return BatchItemStatus.SUCCEEDED
        return BatchItemStatus.FAILED if self.has_failure else BatchItemStatus.SUCCEEDED

    @property
    def has_failure(self) -> bool:
        return any(item.status is BatchItemStatus.FAILED for item in self.all)

    def throw_if_error(self) -> None:
        """Raise the first failed item's error as :class:`ChildContextError` (or :class:`BatchCompletionError`)."""
        first = next(iter(self.failed()), None)
        if first is not None:
            if first.error is None:
                raise ChildContextError(f"Batch item {first.index} failed without an ErrorObject.")
            first.error.raise_as_operation_error(ChildContextError)
        if self.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED:
            raise BatchCompletionError(self.completion_reason)

    def get_results(self) -> list[R]:
        """The results of the succeeded items, in index order."""
        return [cast("R", item.result) for item in self.all if item.status is BatchItemStatus.SUCCEEDED]

    def get_errors(self) -> list[ErrorObject | None]:
        """The errors of the failed items, in index order."""
        return [item.error for item in self.failed()]

    @property
    def success_count(self) -> int:
        return len(self.succeeded())

    @property
    def failure_count(self) -> int:
        return len(self.failed())

    @property
    def started_count(self) -> int:
        return len(self.started())

    @property
    def total_count(self) -> int:
        return len(self.all)
