"""Powertools for AWS Lambda (Python) integration: Logger, Tracer, Metrics, Parser and Idempotency.

``durable_handler(logger=…, tracer=…, metrics=…)`` wires these in; this package is for
custom wiring (:func:`powertools_hooks` with ``durable_execution``-style code) and for the
parser's envelope and models. Names resolve lazily (PEP 562): importing the hooks does not
import pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powertools_durable.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "CompositeHooks": "powertools_durable.powertools.hooks",
    "powertools_hooks": "powertools_durable.powertools.hooks",
    "IntegrationConfig": "powertools_durable.powertools.config",
    "resolve_config": "powertools_durable.powertools.config",
    "DurableLogFilter": "powertools_durable.powertools.logger",
    "LoggerHooks": "powertools_durable.powertools.logger",
    "install_log_filter": "powertools_durable.powertools.logger",
    "TracerHooks": "powertools_durable.powertools.tracer",
    "MetricsHooks": "powertools_durable.powertools.metrics",
    "guard_replayed_metrics": "powertools_durable.powertools.metrics",
    "DurableEnvelope": "powertools_durable.powertools.parser",
}

__all__ = [
    "CompositeHooks",
    "DurableEnvelope",
    "DurableLogFilter",
    "IntegrationConfig",
    "LoggerHooks",
    "MetricsHooks",
    "TracerHooks",
    "guard_replayed_metrics",
    "install_log_filter",
    "powertools_hooks",
    "resolve_config",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from powertools_durable.powertools.config import IntegrationConfig, resolve_config
    from powertools_durable.powertools.hooks import CompositeHooks, powertools_hooks
    from powertools_durable.powertools.logger import DurableLogFilter, LoggerHooks, install_log_filter
    from powertools_durable.powertools.metrics import MetricsHooks, guard_replayed_metrics
    from powertools_durable.powertools.parser import DurableEnvelope
    from powertools_durable.powertools.tracer import TracerHooks
