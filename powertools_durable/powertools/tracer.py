"""Tracer: one subsegment per step attempt that really runs.

A replayed step runs no code, so it gets no subsegment: across all the invocations of an
execution each executed attempt is traced exactly once. The subsegment is named
``## <step name>`` like Powertools' ``capture_method``, carries the annotations
``DurableExecutionArn``, ``OperationId`` and ``Attempt`` (searchable in X-Ray), and the
attempt's result or exception as metadata, following Powertools' capture options.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from typing import Any

from powertools_durable.plugin import (
    InvocationEndInfo,
    InvocationStartInfo,
    OperationType,
    UserFunctionEndInfo,
    UserFunctionOutcome,
    UserFunctionStartInfo,
)
from powertools_durable.powertools.plugins import PowertoolsPlugin, build_plugin
from powertools_durable.powertools.running import execution_arn

logger = logging.getLogger(__name__)

EXECUTION_ARN_ANNOTATION = "DurableExecutionArn"
OPERATION_ID_ANNOTATION = "OperationId"
ATTEMPT_ANNOTATION = "Attempt"

_TRACED = (OperationType.STEP.value, OperationType.CONTEXT.value)  # by value: the official SDK has its own enums
_Key = tuple[str, int | None]


def _label(info: UserFunctionStartInfo | UserFunctionEndInfo) -> str:
    """The operation's name; an unnamed child context (a ``map``, a ``parallel``) by its subtype."""
    return info.name or info.sub_type or info.operation_id


class TracerPlugin:
    """Plugin factory of a Powertools Tracer.

    Parameters
    ----------
    tracer
        The handler's Powertools ``Tracer``; nothing is traced when it is disabled.
    capture_response
        Add the attempt's result as metadata ``<name> response``.
    capture_error
        Add the attempt's exception as metadata ``<name> error``.
    """

    operation_snapshots = False  # its plugins never read the operation maps: the engine builds none

    def __init__(self, tracer: Any, capture_response: bool = True, capture_error: bool = True) -> None:
        self.tracer = tracer
        self.capture_response = capture_response
        self.capture_error = capture_error

    def create_plugin(self, info: InvocationStartInfo, /) -> TracerInvocationPlugin:
        return build_plugin(TracerInvocationPlugin, info, self)


class TracerInvocationPlugin(PowertoolsPlugin):
    """One invocation: a subsegment opened when user code starts, closed when it ends, on its thread."""

    def __init__(self, options: TracerPlugin) -> None:
        self._options = options
        self._open: dict[_Key, tuple[AbstractContextManager[Any], Any]] = {}
        self._lock = threading.Lock()

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        tracer = self._options.tracer
        if info.operation_type.value not in _TRACED or getattr(tracer, "disabled", False):
            return
        manager = tracer.provider.in_subsegment(name=f"## {_label(info)}")
        subsegment = manager.__enter__()
        with self._lock:
            self._open[(info.operation_id, info.attempt)] = (manager, subsegment)
        subsegment.put_annotation(key=EXECUTION_ARN_ANNOTATION, value=execution_arn() or "")
        subsegment.put_annotation(key=OPERATION_ID_ANNOTATION, value=info.operation_id)
        if info.attempt is not None:
            subsegment.put_annotation(key=ATTEMPT_ANNOTATION, value=info.attempt)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        with self._lock:
            opened = self._open.pop((info.operation_id, info.attempt), None)
        if opened is None:
            return
        manager, subsegment = opened
        name = _label(info)
        namespace = getattr(self._options.tracer, "service", None) or "default"
        # On powertools-durable the info carries the value and the exception; on the official SDK, the error object.
        exception = getattr(info, "exception", None)
        try:
            if info.outcome.value == UserFunctionOutcome.FAILED.value and self._options.capture_error:
                error = exception if exception is not None else (info.error.to_dict() if info.error else None)
                subsegment.put_metadata(key=f"{name} error", value=error, namespace=namespace)
            value = getattr(info, "value", None)
            if (
                info.outcome.value == UserFunctionOutcome.SUCCEEDED.value
                and self._options.capture_response
                and value is not None
            ):
                subsegment.put_metadata(key=f"{name} response", value=value, namespace=namespace)
        finally:
            if isinstance(exception, Exception):
                manager.__exit__(type(exception), exception, exception.__traceback__)
            else:
                manager.__exit__(None, None, None)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        """Close what a user function left open (it cannot, on either SDK: a safety net)."""
        with self._lock:
            leftovers, self._open = list(self._open.values()), {}
        for manager, _ in reversed(leftovers):
            manager.__exit__(None, None, None)
