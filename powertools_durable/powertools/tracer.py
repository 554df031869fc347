"""Tracer: one subsegment per step attempt that really runs.

A replayed step runs no code, so it gets no subsegment: across all the invocations of an
execution each executed attempt is traced exactly once. The subsegment is named
``## <step name>`` like Powertools' ``capture_method``, carries the annotations
``DurableExecutionArn``, ``OperationId`` and ``Attempt`` (searchable in X-Ray), and the
attempt's result or exception as metadata, following Powertools' capture options.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext, OperationHandle

T = TypeVar("T")

logger = logging.getLogger(__name__)

EXECUTION_ARN_ANNOTATION = "DurableExecutionArn"
OPERATION_ID_ANNOTATION = "OperationId"
ATTEMPT_ANNOTATION = "Attempt"


class TracerHooks:
    """Durable hooks of a Powertools Tracer.

    Parameters
    ----------
    tracer
        The handler's Powertools ``Tracer``; nothing is traced when it is disabled.
    capture_response
        Add the attempt's result as metadata ``<step name> response``.
    capture_error
        Add the attempt's exception as metadata ``<step name> error``.
    """

    def __init__(self, tracer: Any, capture_response: bool = True, capture_error: bool = True) -> None:
        self.tracer = tracer
        self.capture_response = capture_response
        self.capture_error = capture_error

    @contextmanager
    def invocation(self, ctx: DurableContext) -> Iterator[None]:
        yield

    def run_step(self, ctx: DurableContext, op: OperationHandle, attempt: int, body: Callable[[], T]) -> T:
        if getattr(self.tracer, "disabled", False):
            return body()
        name = op.name or op.id
        namespace = getattr(self.tracer, "service", None) or "default"
        with self.tracer.provider.in_subsegment(name=f"## {name}") as subsegment:
            subsegment.put_annotation(key=EXECUTION_ARN_ANNOTATION, value=ctx.state.durable_execution_arn)
            subsegment.put_annotation(key=OPERATION_ID_ANNOTATION, value=op.id)
            subsegment.put_annotation(key=ATTEMPT_ANNOTATION, value=attempt)
            try:
                result = body()
            except Exception as exc:
                logger.debug("step %s attempt %d raised %s", name, attempt, type(exc).__name__)
                if self.capture_error:
                    subsegment.put_metadata(key=f"{name} error", value=exc, namespace=namespace)
                raise
            if self.capture_response and result is not None:
                subsegment.put_metadata(key=f"{name} response", value=result, namespace=namespace)
            return result
