"""Configuration of the Powertools integration, the package logger, and what each import path loads."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from powertools_durable.powertools.config import LOG_REPLAY_ENV, IntegrationConfig, resolve_config


def test_defaults(monkeypatch):
    # GIVEN no environment variable set
    for name in (LOG_REPLAY_ENV, "POWERTOOLS_TRACER_CAPTURE_RESPONSE", "POWERTOOLS_TRACER_CAPTURE_ERROR"):
        monkeypatch.delenv(name, raising=False)
    # WHEN the options are resolved THEN the defaults apply
    assert resolve_config() == IntegrationConfig(log_replay=False, capture_response=True, capture_error=True)


def test_env_vars_override_defaults(monkeypatch):
    # GIVEN every option set by its environment variable
    monkeypatch.setenv(LOG_REPLAY_ENV, "TRUE")
    monkeypatch.setenv("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "false")
    monkeypatch.setenv("POWERTOOLS_TRACER_CAPTURE_ERROR", "0")
    # WHEN resolved THEN the environment wins over the defaults
    assert resolve_config() == IntegrationConfig(log_replay=True, capture_response=False, capture_error=False)


def test_explicit_arguments_override_env_vars(monkeypatch):
    # GIVEN environment variables saying one thing
    monkeypatch.setenv(LOG_REPLAY_ENV, "true")
    monkeypatch.setenv("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "false")
    # WHEN explicit arguments say another THEN the arguments win
    config = resolve_config(log_replay=False, capture_response=True, capture_error=False)
    assert config == IntegrationConfig(log_replay=False, capture_response=True, capture_error=False)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"PATH": "", **env},
        check=True,
        timeout=60,
    )


@pytest.mark.parametrize(("debug", "expected"), [("true", True), ("", False)])
def test_powertools_debug_turns_on_the_package_logger(debug, expected):
    # GIVEN POWERTOOLS_DEBUG set, or not
    code = """
        import logging
        import powertools_durable
        logging.getLogger("powertools_durable.execution").debug("engine says hi")
        print("handlers:", [type(h).__name__ for h in logging.getLogger("powertools_durable").handlers])
    """
    # WHEN the package is imported and an engine module logs at DEBUG
    out = run_python(code, POWERTOOLS_DEBUG=debug).stdout

    # THEN the line is printed only under POWERTOOLS_DEBUG; otherwise a NullHandler keeps the package silent
    assert ("engine says hi" in out) is expected
    assert ("NullHandler" in out) is not expected


def test_powertools_plugins_do_not_import_pydantic():
    # GIVEN the integration's plugins (what durable_handler(logger=, tracer=, metrics=) loads)
    code = """
        import sys
        import powertools_durable.powertools.plugins, powertools_durable.powertools.logger
        import powertools_durable.powertools.tracer, powertools_durable.powertools.metrics
        print("pydantic" in sys.modules)
    """
    # WHEN imported THEN pydantic stays out (only the parser needs it)
    assert run_python(code).stdout.strip() == "False"
