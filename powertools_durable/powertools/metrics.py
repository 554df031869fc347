"""Metrics: a metric added by workflow code is emitted once per execution.

Workflow code runs again on every invocation, replaying what earlier invocations did, so a
``metrics.add_metric`` outside a step would be flushed again by ``log_metrics`` at the end of
every invocation. Powertools keeps metrics in a ``metric_set`` dict shared by every
``Metrics`` instance and written only by the provider's ``add_metric``; the guard wraps that
one method on the instance's provider and drops the metrics added while the context replays.
Dimensions and metadata are kept: they belong to the invocation's metric blob, which replayed
and new code share.

The other pattern needs no guard: add the metric inside a step, whose body runs only when the
step really executes (once per attempt).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from powertools_durable.plugin import InvocationStartInfo
from powertools_durable.powertools.plugins import PowertoolsPlugin, build_plugin
from powertools_durable.powertools.running import is_replaying

logger = logging.getLogger(__name__)

_GUARD_MARK = "__powertools_durable_replay_guard__"


def guard_replayed_metrics(metrics: Any) -> None:
    """Make ``metrics`` drop the metrics added while a durable context replays.

    Idempotent; outside a durable invocation the metrics instance behaves as before.

    Parameters
    ----------
    metrics
        A Powertools ``Metrics`` (or ``DatadogMetrics``) instance, or its provider.
    """
    provider = getattr(metrics, "provider", metrics)
    add_metric: Callable[..., Any] = provider.add_metric
    if getattr(add_metric, _GUARD_MARK, False):
        return

    @functools.wraps(add_metric)
    def add_metric_once(*args: Any, **kwargs: Any) -> Any:
        if is_replaying():
            logger.debug("dropping a metric added while the workflow replays: %s", args or kwargs)
            return None
        return add_metric(*args, **kwargs)

    setattr(add_metric_once, _GUARD_MARK, True)
    provider.add_metric = add_metric_once


class MetricsPlugin:
    """Plugin factory of Powertools Metrics: the replay guard, installed once.

    Parameters
    ----------
    metrics
        The ``Metrics`` instance the workflow code adds metrics to.
    """

    operation_snapshots = False  # its plugins never read the operation maps: the engine builds none

    def __init__(self, metrics: Any) -> None:
        self.metrics = metrics
        guard_replayed_metrics(metrics)

    def create_plugin(self, info: InvocationStartInfo, /) -> PowertoolsPlugin:
        """The plugin only follows replay on the official SDK; the guard does the rest."""
        return build_plugin(PowertoolsPlugin, info)
