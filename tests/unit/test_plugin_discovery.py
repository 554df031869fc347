"""Plugin registration: explicit factories, then those DURABLE_EXECUTION_PLUGINS names; bad entries refused early."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib import metadata
from typing import Any

import pytest

from powertools_durable import durable_execution
from powertools_durable.exceptions import PluginLoadError
from powertools_durable.plugin import DurableInstrumentationPlugin, InvocationStartInfo
from powertools_durable.plugin_discovery import (
    PLUGIN_ENTRY_POINT_GROUP,
    PLUGIN_ENVIRONMENT_VARIABLE,
    load_configured_plugins,
)


class Plugin(DurableInstrumentationPlugin):
    pass


class Factory:
    def create_plugin(self, info: InvocationStartInfo, /) -> Plugin:
        return Plugin()


class ClassFactory:
    @classmethod
    def create_plugin(cls, info: InvocationStartInfo, /) -> Plugin:
        return Plugin()


class Exclusive(Factory):
    __durable_registration_api__ = 1
    exclusive_group = "tracing"


class OtherExclusive(Factory):
    __durable_registration_api__ = 1
    exclusive_group = "tracing"


FACTORY = Factory()
NOT_A_FACTORY = object()


def _entry_points(monkeypatch: pytest.MonkeyPatch, **targets: str) -> None:
    points = [metadata.EntryPoint(name, value, PLUGIN_ENTRY_POINT_GROUP) for name, value in targets.items()]
    monkeypatch.setattr(metadata, "entry_points", lambda group: points if group == PLUGIN_ENTRY_POINT_GROUP else [])


def test_names_are_the_official_sdks():
    # GIVEN the official SDK's discovery constants THEN ours are the same
    official = pytest.importorskip("aws_durable_execution_sdk_python.plugin_discovery")
    assert PLUGIN_ENTRY_POINT_GROUP == official.PLUGIN_ENTRY_POINT_GROUP == "aws_durable_execution.plugins"
    assert PLUGIN_ENVIRONMENT_VARIABLE == official.PLUGIN_ENVIRONMENT_VARIABLE == "DURABLE_EXECUTION_PLUGINS"


def test_explicit_factories_keep_their_order():
    first, second = Factory(), ClassFactory
    assert load_configured_plugins([first, second], environment={}) == [first, second]


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        (Plugin, "the class tests.unit.test_plugin_discovery.Plugin"),
        (Factory, "the class tests.unit.test_plugin_discovery.Factory"),  # the class, not an instance
        (lambda info: Plugin(), "the function"),
        (Plugin(), "an instance of tests.unit.test_plugin_discovery.Plugin"),
    ],
    ids=["plugin-class", "factory-class", "function", "plugin-instance"],
)
def test_an_entry_that_is_not_a_factory_is_refused_when_decorating(entry: Any, named: str):
    # WHEN a handler is decorated with it THEN PluginLoadError names its position and what it is
    with pytest.raises(PluginLoadError, match=r"plugins\[1\]") as raised:
        durable_execution(lambda event, context: None, plugins=[Factory(), entry])
    assert named in str(raised.value)


def test_the_environment_adds_installed_factories(monkeypatch: pytest.MonkeyPatch):
    # GIVEN a provider installed under the official entry-point group
    _entry_points(monkeypatch, conf=f"{__name__}:FACTORY")
    explicit = Factory()

    # WHEN the environment names it THEN it follows the explicit factories; named twice it is kept once
    assert load_configured_plugins([explicit], environment={PLUGIN_ENVIRONMENT_VARIABLE: " conf "}) == [
        explicit,
        FACTORY,
    ]
    assert load_configured_plugins([FACTORY], environment={PLUGIN_ENVIRONMENT_VARIABLE: "conf"}) == [FACTORY]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("missing", "No durable instrumentation plugin provider named 'missing'.*Installed providers: bad, conf"),
        ("conf,conf", "duplicate plugin name 'conf'"),
        ("conf,,x", "non-empty, comma-separated"),
        ("bad", "must resolve to a plugin factory"),
    ],
)
def test_a_bad_environment_is_refused(monkeypatch: pytest.MonkeyPatch, value: str, message: str):
    _entry_points(monkeypatch, conf=f"{__name__}:FACTORY", bad=f"{__name__}:NOT_A_FACTORY")
    with pytest.raises(PluginLoadError, match=message):
        load_configured_plugins([], environment={PLUGIN_ENVIRONMENT_VARIABLE: value})


def test_an_unloadable_entry_point_is_refused(monkeypatch: pytest.MonkeyPatch):
    _entry_points(monkeypatch, gone="no_such_module_here:factory")
    with pytest.raises(PluginLoadError, match=r"Failed to load .* 'gone'"):
        load_configured_plugins([], environment={PLUGIN_ENVIRONMENT_VARIABLE: "gone"})


def test_two_factories_of_one_exclusive_group_are_refused():
    with pytest.raises(PluginLoadError, match="mutually exclusive \\(group 'tracing'\\)"):
        load_configured_plugins([Exclusive(), OtherExclusive()], environment={})
    assert len(load_configured_plugins([Exclusive(), Factory()], environment={})) == 2


def test_a_handler_without_plugins_imports_no_plugin_machinery():
    # GIVEN a handler decorated without plugins, in a fresh interpreter
    code = """
        import sys
        from powertools_durable import durable_execution
        durable_execution(lambda event, context: None)
        print(sorted(m for m in ("powertools_durable.plugin", "powertools_durable.replay.instrumentation",
                                 "importlib.metadata") if m in sys.modules))
    """
    # WHEN it is decorated THEN neither the plugin classes nor entry-point discovery were imported
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
