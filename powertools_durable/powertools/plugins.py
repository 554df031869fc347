"""The Powertools integration as instrumentation plugins, which ``durable_handler(logger=, tracer=, …)`` registers.

Each utility has a plugin *factory* (:class:`~powertools_durable.powertools.logger.LoggerPlugin`,
:class:`~powertools_durable.powertools.tracer.TracerPlugin`,
:class:`~powertools_durable.powertools.metrics.MetricsPlugin`); :func:`powertools_plugins` builds
the list for the given utilities. The same factories work with the official SDK's
``durable_execution(plugins=[...])``: a plugin built for it subclasses the official base class,
which that SDK requires, and keeps a :class:`~powertools_durable.powertools.running.ReplayTracker`
since the official context's replay status is not reachable from a plugin.
"""

from __future__ import annotations

import sys
from typing import Any, TypeVar

from powertools_durable.plugin import (
    DurableInstrumentationPlugin,
    InvocationStartInfo,
    OperationEndInfo,
    OperationStartInfo,
    UserFunctionStartInfo,
)
from powertools_durable.powertools.config import resolve_config
from powertools_durable.powertools.running import ReplayTracker, tracker

P = TypeVar("P", bound=DurableInstrumentationPlugin)

_OFFICIAL = "aws_durable_execution_sdk_python"


class PowertoolsPlugin(DurableInstrumentationPlugin):
    """Base of the Powertools plugins (on powertools-durable the running context answers every question)."""


class OfficialReplayTracking(DurableInstrumentationPlugin):
    """Mixed into the Powertools plugins built for the official SDK: follows whether the invocation replays.

    The invocation replays from its start (unless it is the first) until it runs something new (a
    START, a user function) or observes the operation it last suspended on complete.
    """

    _updated: frozenset[str] = frozenset()

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        state = tracker.get()
        if state is None or state.execution_arn != info.execution_arn or state.start_info is not info:
            tracker.set(ReplayTracker(info.execution_arn, not info.is_first_invocation, info))
        self._updated = frozenset(info.updated_operations)
        super().on_invocation_start(info)

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if not info.is_replayed:
            _new_work()
        super().on_operation_start(info)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if info.operation_id in self._updated:
            _new_work()  # the operation the last invocation suspended on: what follows is new
        super().on_operation_end(info)

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if not info.is_replay_children:
            _new_work()
        super().on_user_function_start(info)


def _new_work() -> None:
    state = tracker.get()
    if state is not None:
        state.replaying = False


_variants: dict[type, type] = {}


def _official_variant(cls: type[P]) -> type[P]:
    """``cls`` with replay tracking, and an instance of the official SDK's plugin base class (built once)."""
    variant = _variants.get(cls)
    if variant is None:
        official = sys.modules[f"{_OFFICIAL}.plugin"].DurableInstrumentationPlugin
        bases = (OfficialReplayTracking, cls, official)
        variant = _variants.setdefault(cls, type(cls.__name__, bases, {"__module__": cls.__module__}))
    return variant


def build_plugin(cls: type[P], info: Any, *args: Any) -> P:
    """``cls(*args)``, as the SDK that calls ``create_plugin(info)`` needs it (ours, or the official one)."""
    if type(info).__module__.startswith(_OFFICIAL):
        plugin: P = _official_variant(cls)(*args)
        return plugin
    return cls(*args)


def powertools_plugins(
    *,
    logger: Any = None,
    tracer: Any = None,
    metrics: Any = None,
    log_replay: bool | None = None,
    capture_response: bool | None = None,
    capture_error: bool | None = None,
) -> list[Any]:
    """The plugin factories attaching the given Powertools utilities (tracer first: its subsegment is outermost).

    Parameters
    ----------
    logger
        A Powertools ``Logger``: records made while replaying are dropped, durable keys added.
    tracer
        A Powertools ``Tracer``: one subsegment per executed step attempt and child context.
    metrics
        A Powertools ``Metrics``: metrics added while replaying are dropped.
    log_replay, capture_response, capture_error
        Explicit options; see :func:`~powertools_durable.powertools.config.resolve_config`.

    Example
    -------
    >>> @durable_execution(plugins=powertools_plugins(logger=logger, tracer=tracer))  # doctest: +SKIP
    ... def handler(event, context): ...
    """
    from powertools_durable.powertools.logger import LoggerPlugin  # noqa: PLC0415 - each utility only when given
    from powertools_durable.powertools.metrics import MetricsPlugin  # noqa: PLC0415
    from powertools_durable.powertools.tracer import TracerPlugin  # noqa: PLC0415

    config = resolve_config(log_replay=log_replay, capture_response=capture_response, capture_error=capture_error)
    factories: list[Any] = []
    if tracer is not None:
        factories.append(TracerPlugin(tracer, config.capture_response, config.capture_error))
    if logger is not None:
        factories.append(LoggerPlugin(logger, config.log_replay))
    if metrics is not None:
        factories.append(MetricsPlugin(metrics))
    return factories
