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

The same tests run against a deployed stack: ``pytest --durable-target=cloud --durable-stack NAME``
gives the fixture as a :class:`~powertools_durable.local.cloud.DurableCloud` (the same verbs, done with
boto3 against the Lambda API; region, profile and ``AWS_ENDPOINT_URL_LAMBDA`` from the usual AWS
settings). Each template logical id resolves to the function's alias ARN among the stack's resources;
``--durable-function-map Name=ARN`` gives them explicitly instead. Without credentials, the tests
using the fixture are skipped with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from powertools_durable.local.cloud import DurableCloud
    from powertools_durable.local.emulator import LocalEmulator


BUILT_TEMPLATE = Path(".aws-sam") / "build" / "template.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("durable_template", "SAM template served by the durable_emulator fixture", default="")
    parser.addini("durable_time_scale", "modelled time speed-up of the durable_emulator fixture", default="1")
    parser.addini("durable_parameter_overrides", "template parameters: Key=Value ... (as sam local)", default="")
    parser.addini("durable_env_vars", "SAM CLI env-vars JSON file for the fixture's functions", default="")
    group = parser.getgroup("durable", "durable functions: where durable_emulator runs them")
    group.addoption(
        "--durable-target",
        choices=("local", "cloud"),
        default="local",
        help="local: the emulator on the template (default); cloud: the deployed functions, via the Lambda API",
    )
    group.addoption("--durable-stack", default=None, help="cloud: the deployed stack whose functions tests run")
    group.addoption(
        "--durable-function-map",
        action="append",
        default=[],
        metavar="Name=ARN",
        help="cloud: a template logical id and the ARN to invoke for it (repeatable; instead of --durable-stack)",
    )


def _in_root(pytestconfig: pytest.Config, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else Path(pytestconfig.rootpath) / path


@pytest.fixture(scope="session")
def durable_emulator(pytestconfig: pytest.Config) -> Iterator[LocalEmulator | DurableCloud]:
    """The local emulator serving the project's SAM template (in memory, skipping clock), for the session;
    with ``--durable-target=cloud``, the deployed functions instead."""
    if pytestconfig.getoption("durable_target") == "cloud":
        yield _cloud_target(pytestconfig)
        return
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


def _cloud_target(pytestconfig: pytest.Config) -> DurableCloud:
    import boto3  # noqa: PLC0415 - only in cloud mode
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from powertools_durable.local.cloud import (  # noqa: PLC0415
        CloudTargetError,
        DurableCloud,
        parse_function_map,
        stack_functions,
    )

    stack, mapping = pytestconfig.getoption("durable_stack"), pytestconfig.getoption("durable_function_map")
    if not stack and not mapping:
        pytest.fail("durable_emulator: --durable-target=cloud needs --durable-stack NAME or --durable-function-map")
    session = boto3.Session(region_name=os.environ.get("AWS_REGION") or None)  # as Lambda sets it, else the usual
    if session.get_credentials() is None:
        pytest.skip("--durable-target=cloud: no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID/...)")
    if session.region_name is None:
        pytest.fail("durable_emulator: --durable-target=cloud: no AWS region (set AWS_REGION or AWS_DEFAULT_REGION)")
    try:
        functions = parse_function_map(mapping)
        if stack:
            functions = {**stack_functions(session.client("cloudformation"), stack), **functions}
    except (CloudTargetError, BotoCoreError, ClientError) as exc:
        pytest.fail(f"durable_emulator: {exc}", pytrace=False)
    return DurableCloud(session.client("lambda"), functions)


@pytest.fixture(autouse=True)
def _durable_callbacks_released(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used ``durable_emulator``, callbacks it left unanswered stop holding the clock."""
    yield
    if "durable_emulator" in request.fixturenames:
        request.getfixturevalue("durable_emulator").release_callbacks()
