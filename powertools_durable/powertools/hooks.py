"""One :class:`~powertools_durable.hooks.DurableHooks` made of the Logger, Tracer and Metrics hooks.

``durable_handler`` builds it from its ``logger=``, ``tracer=`` and ``metrics=`` options.
Around a step attempt the tracer's subsegment is outermost, so the attempt's log lines
(with their step keys) fall inside it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.hooks import NO_HOOKS, DurableHooks
from powertools_durable.powertools.config import resolve_config
from powertools_durable.powertools.logger import LoggerHooks
from powertools_durable.powertools.metrics import MetricsHooks
from powertools_durable.powertools.tracer import TracerHooks

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext, OperationHandle

T = TypeVar("T")


class CompositeHooks:
    """Several hooks as one: invocations entered in order, step attempts nested (first outermost).

    Parameters
    ----------
    hooks
        The hooks to combine.
    """

    def __init__(self, *hooks: DurableHooks) -> None:
        self.hooks = hooks

    @contextmanager
    def invocation(self, ctx: DurableContext) -> Iterator[None]:
        with ExitStack() as stack:
            for hook in self.hooks:
                stack.enter_context(hook.invocation(ctx))
            yield

    def run_step(self, ctx: DurableContext, op: OperationHandle, attempt: int, body: Callable[[], T]) -> T:
        call = body
        for hook in reversed(self.hooks):
            call = functools.partial(hook.run_step, ctx, op, attempt, call)
        return call()


def powertools_hooks(
    *,
    logger: Any = None,
    tracer: Any = None,
    metrics: Any = None,
    log_replay: bool | None = None,
    capture_response: bool | None = None,
    capture_error: bool | None = None,
) -> DurableHooks:
    """The hooks attaching the given Powertools utilities to the engine.

    Parameters
    ----------
    logger
        A Powertools ``Logger``: records made while replaying are dropped, durable keys added.
    tracer
        A Powertools ``Tracer``: one subsegment per executed step attempt.
    metrics
        A Powertools ``Metrics``: metrics added while replaying are dropped.
    log_replay, capture_response, capture_error
        Explicit options; see :func:`~powertools_durable.powertools.config.resolve_config`.

    Returns
    -------
    DurableHooks
        ``NO_HOOKS`` when no utility is given.

    Example
    -------
    >>> hooks = powertools_hooks(logger=Logger(), tracer=Tracer())  # doctest: +SKIP
    >>> run_invocation(handler, event, context, client, context_logger=logger, hooks=hooks)  # doctest: +SKIP
    """
    config = resolve_config(log_replay=log_replay, capture_response=capture_response, capture_error=capture_error)
    parts: list[DurableHooks] = []
    if tracer is not None:
        parts.append(TracerHooks(tracer, config.capture_response, config.capture_error))
    if logger is not None:
        parts.append(LoggerHooks(logger, config.log_replay))
    if metrics is not None:
        parts.append(MetricsHooks(metrics))
    if not parts:
        return NO_HOOKS
    if len(parts) == 1:
        return parts[0]
    return CompositeHooks(*parts)
