"""Which plugin factories an execution uses: ``plugins=[...]`` first, then those the environment names.

``DURABLE_EXECUTION_PLUGINS="a,b"`` selects, by name, factories installed under the entry-point
group ``aws_durable_execution.plugins`` (the official SDK's names, so a plugin package written for
it works here). Everything is checked once, when the handler is decorated: a bad entry raises
:class:`~powertools_durable.exceptions.PluginLoadError` naming it, instead of silently losing
telemetry on every invocation.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from powertools_durable.exceptions import PluginLoadError

if TYPE_CHECKING:
    from importlib import metadata

    from powertools_durable.plugin import DurableInstrumentationPluginFactory

logger = logging.getLogger(__name__)

PLUGIN_ENTRY_POINT_GROUP = "aws_durable_execution.plugins"
PLUGIN_ENVIRONMENT_VARIABLE = "DURABLE_EXECUTION_PLUGINS"

_PROBE = object()


def _describe(value: object) -> str:
    """Name a rejected entry: a class or function by its own name, anything else by its type's."""
    named: Any = value if isinstance(value, type) or inspect.isroutine(value) else type(value)
    kind = "the class" if isinstance(value, type) else "the function" if inspect.isroutine(value) else "an instance of"
    return f"{kind} {getattr(named, '__module__', '?')}.{getattr(named, '__qualname__', '<unnamed>')}"


def is_plugin_factory(value: object) -> bool:
    """True when ``value`` has a ``create_plugin`` callable with one positional argument (the info).

    A factory *class* whose ``create_plugin`` is an instance method is refused: the call would bind
    the info to ``self``.
    """
    create_plugin = getattr(value, "create_plugin", None)
    if not callable(create_plugin):
        return False
    if isinstance(value, type) and inspect.isfunction(create_plugin):
        declared = inspect.getattr_static(value, "create_plugin", None)
        if not isinstance(declared, staticmethod):
            return False
    try:
        inspect.signature(create_plugin).bind(_PROBE)
    except TypeError:
        return False
    except ValueError:  # no introspectable signature: accepted on the member alone
        return True
    return True


def _configured_names(environment: Mapping[str, str]) -> list[str]:
    raw = environment.get(PLUGIN_ENVIRONMENT_VARIABLE)
    if raw is None or not raw.strip():
        return []
    names = [name.strip() for name in raw.split(",")]
    if not all(names):
        raise PluginLoadError(f"{PLUGIN_ENVIRONMENT_VARIABLE} must contain non-empty, comma-separated plugin names.")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PluginLoadError(f"{PLUGIN_ENVIRONMENT_VARIABLE} contains duplicate plugin name '{duplicates[0]}'.")
    return names


def _load_entry_point(name: str, entry_points: list[metadata.EntryPoint]) -> Any:
    matching = [entry_point for entry_point in entry_points if entry_point.name == name]
    if not matching:
        installed = ", ".join(sorted({entry_point.name for entry_point in entry_points})) or "none"
        raise PluginLoadError(
            f"No durable instrumentation plugin provider named '{name}' was found in entry-point group "
            f"'{PLUGIN_ENTRY_POINT_GROUP}'. Installed providers: {installed}. Ensure the provider package is "
            "installed in the function artifact or an attached Lambda layer."
        )
    if len(matching) > 1:
        raise PluginLoadError(
            f"Multiple durable instrumentation plugin providers named '{name}' were found in entry-point group "
            f"'{PLUGIN_ENTRY_POINT_GROUP}'. Remove the duplicate provider package."
        )
    try:
        factory = matching[0].load()
    except Exception as exc:
        raise PluginLoadError(
            f"Failed to load durable instrumentation plugin factory '{name}' from '{matching[0].value}': {exc}"
        ) from exc
    if not is_plugin_factory(factory):
        raise PluginLoadError(
            f"Durable instrumentation plugin entry point '{name}' must resolve to a plugin factory (an object "
            f"with a create_plugin(info) method) but resolved to {_describe(factory)}."
        )
    return factory


def _check_exclusive_groups(factories: Sequence[object]) -> None:
    """Refuse two factories declaring the same ``exclusive_group`` (``__durable_registration_api__ = 1``)."""
    owners: dict[str, str] = {}
    for factory in factories:
        kind = factory if isinstance(factory, type) else type(factory)
        if getattr(kind, "__durable_registration_api__", None) != 1:
            continue
        group = getattr(kind, "exclusive_group", None)
        if group is None:
            continue
        if not isinstance(group, str) or not group.strip():
            raise PluginLoadError(
                f"Durable instrumentation plugin {kind.__qualname__} must declare exclusive_group as None or a "
                "non-empty string."
            )
        if group in owners:
            raise PluginLoadError(
                f"Durable instrumentation plugins {owners[group]} and {kind.__qualname__} are mutually exclusive "
                f"(group '{group}'). Keep only one plugin from this group in plugins and "
                f"{PLUGIN_ENVIRONMENT_VARIABLE}."
            )
        owners[group] = kind.__qualname__


def load_configured_plugins(
    explicit_plugins: Sequence[DurableInstrumentationPluginFactory] | None,
    *,
    environment: Mapping[str, str] | None = None,
) -> list[DurableInstrumentationPluginFactory]:
    """The explicit factories (in order), then those ``DURABLE_EXECUTION_PLUGINS`` names (in its order).

    Raises
    ------
    PluginLoadError
        An explicit entry that is not a factory, an unknown, duplicated or unloadable name, or two
        factories of one exclusive group.
    """
    factories: list[Any] = list(explicit_plugins or [])
    for index, factory in enumerate(factories):
        if not is_plugin_factory(factory):
            raise PluginLoadError(
                f"Durable instrumentation plugin at plugins[{index}] must be a plugin factory -- an object with a "
                f"create_plugin(info) method returning a DurableInstrumentationPlugin -- but is "
                f"{_describe(factory)}. Pass a factory instance, for example plugins=[MyPluginFactory(exporter)]."
            )
    names = _configured_names(os.environ if environment is None else environment)
    if names:
        from importlib import metadata  # noqa: PLC0415 - ~10 ms of imports, paid only when plugins are named

        try:
            entry_points = list(metadata.entry_points(group=PLUGIN_ENTRY_POINT_GROUP))
        except Exception as exc:
            raise PluginLoadError(
                f"Failed to inspect installed durable instrumentation plugin providers in entry-point group "
                f"'{PLUGIN_ENTRY_POINT_GROUP}': {exc}"
            ) from exc
        for name in names:
            factory = _load_entry_point(name, entry_points)
            if any(factory is registered for registered in factories):
                logger.warning("Skipping plugin '%s': the same factory is already registered.", name)
                continue
            factories.append(factory)
    _check_exclusive_groups(factories)
    return factories
