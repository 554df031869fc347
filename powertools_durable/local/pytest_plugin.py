"""pytest plugin: run your durable functions to completion on the local emulator, offline.

Installed with the package (``[project.entry-points.pytest11]``), it provides the
``durable_emulator`` fixture: the emulator started in-process on a free port for the test
session, with an in-memory store and a clock that skips ahead whenever nothing is running
(a 5-minute wait takes no time), serving the functions of your SAM template::

    def test_order_workflow(durable_emulator):
        run = durable_emulator.run("OrderFunction", {"order_id": "o-1"})
        assert run.status == "SUCCEEDED", run.error
        assert run.result == {"confirmed": "o-1"}
        assert [e["EventType"] for e in run.history][-1] == "ExecutionSucceeded"

``run`` returns an :class:`~powertools_durable.local.results.ExecutionResult` (``status``,
JSON-decoded ``result``, ``error``, the full ``history`` as GetDurableExecutionHistory
reports it, each invocation's ``logs``, and ``operation(name)``). ``durable_emulator.client()``
is a boto3 ``lambda`` client pointed at it; ``durable_emulator.endpoint_url`` its URL.

Callbacks (human approval) are answered with the API of AWS's testing library::

    def test_approval(durable_emulator):
        arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-1"})
        callback_id = durable_emulator.wait_for_callback(arn, name="approval")
        durable_emulator.send_callback_success(callback_id, result='"approved"')
        run = durable_emulator.wait_for_result(arn)
        assert run.operation("approval").result == "approved"

Configuration (``pytest.ini`` / ``[tool.pytest.ini_options]``): ``durable_template`` (default
``template.yaml``, relative to the rootdir; ``.aws-sam/build/template.yaml`` when that exists and
the option is not set, as ``sam local`` does), ``durable_time_scale`` (default 1: modelled time
runs at wall speed between skips; the functions' ``Timeout`` stays in wall seconds),
``durable_parameter_overrides`` (SAM CLI's ``Key=Value ...``) and ``durable_env_vars`` (SAM CLI's
env-vars JSON file, relative to the rootdir).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from powertools_durable.local.emulator import LocalEmulator


BUILT_TEMPLATE = Path(".aws-sam") / "build" / "template.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("durable_template", "SAM template served by the durable_emulator fixture", default="")
    parser.addini("durable_time_scale", "modelled time speed-up of the durable_emulator fixture", default="1")
    parser.addini("durable_parameter_overrides", "template parameters: Key=Value ... (as sam local)", default="")
    parser.addini("durable_env_vars", "SAM CLI env-vars JSON file for the fixture's functions", default="")


def _in_root(pytestconfig: pytest.Config, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else Path(pytestconfig.rootpath) / path


@pytest.fixture(scope="session")
def durable_emulator(pytestconfig: pytest.Config) -> Iterator[LocalEmulator]:
    """The local emulator serving the project's SAM template (in memory, skipping clock), for the session."""
    from powertools_durable.local.emulator import LocalEmulator  # noqa: PLC0415 - only when the fixture is used
    from powertools_durable.local.template import TemplateError  # noqa: PLC0415

    configured = str(pytestconfig.getini("durable_template"))
    built = _in_root(pytestconfig, str(BUILT_TEMPLATE))
    template = _in_root(pytestconfig, configured) if configured else (built if built.exists() else None)
    template = template or _in_root(pytestconfig, "template.yaml")
    if not template.exists():
        pytest.fail(f"durable_emulator: no SAM template at {template} (set durable_template in your pytest config)")
    env_vars = str(pytestconfig.getini("durable_env_vars"))
    try:
        emulator = LocalEmulator(
            template,
            store=":memory:",
            time_scale=float(str(pytestconfig.getini("durable_time_scale"))),
            skip_time=True,
            parameter_overrides=str(pytestconfig.getini("durable_parameter_overrides")) or None,
            env_vars=_in_root(pytestconfig, env_vars) if env_vars else None,
        )
    except TemplateError as exc:
        pytest.fail(f"durable_emulator: {exc}", pytrace=False)
    with emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _durable_callbacks_released(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used ``durable_emulator``, callbacks it left unanswered stop holding the clock."""
    yield
    if "durable_emulator" in request.fixturenames:
        request.getfixturevalue("durable_emulator").release_callbacks()
