"""Powertools for AWS Lambda (Python) integration: Logger, Tracer, Metrics, Parser and Idempotency.

``durable_handler(logger=…, tracer=…, metrics=…)`` wires these in; this package is for
custom wiring (:func:`powertools_plugins`, or the plugin factories one by one, with
``durable_execution(plugins=[...])`` -- ours or the official SDK's) and for the parser's envelope
and models. Names resolve lazily (PEP 562): importing the plugins does not import pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powertools_durable.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "powertools_plugins": "powertools_durable.powertools.plugins",
    "PowertoolsPlugin": "powertools_durable.powertools.plugins",
    "IntegrationConfig": "powertools_durable.powertools.config",
    "resolve_config": "powertools_durable.powertools.config",
    "DurableLogFilter": "powertools_durable.powertools.logger",
    "LoggerPlugin": "powertools_durable.powertools.logger",
    "install_log_filter": "powertools_durable.powertools.logger",
    "TracerPlugin": "powertools_durable.powertools.tracer",
    "MetricsPlugin": "powertools_durable.powertools.metrics",
    "guard_replayed_metrics": "powertools_durable.powertools.metrics",
    "DurableEnvelope": "powertools_durable.powertools.parser",
}

__all__ = [
    "DurableEnvelope",
    "DurableLogFilter",
    "IntegrationConfig",
    "LoggerPlugin",
    "MetricsPlugin",
    "PowertoolsPlugin",
    "TracerPlugin",
    "guard_replayed_metrics",
    "install_log_filter",
    "powertools_plugins",
    "resolve_config",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from powertools_durable.powertools.config import IntegrationConfig, resolve_config
    from powertools_durable.powertools.logger import DurableLogFilter, LoggerPlugin, install_log_filter
    from powertools_durable.powertools.metrics import MetricsPlugin, guard_replayed_metrics
    from powertools_durable.powertools.parser import DurableEnvelope
    from powertools_durable.powertools.plugins import PowertoolsPlugin, powertools_plugins
    from powertools_durable.powertools.tracer import TracerPlugin
