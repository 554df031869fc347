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

``run`` returns an :class:`~powertools_durable.local.emulator.ExecutionResult` (``status``,
JSON-decoded ``result``, ``error``, the full ``history`` as GetDurableExecutionHistory
reports it, and each invocation's ``logs``). ``durable_emulator.client()`` is a boto3
``lambda`` client pointed at it; ``durable_emulator.endpoint_url`` its URL.

Configuration (``pytest.ini`` / ``[tool.pytest.ini_options]``): ``durable_template`` (default
``template.yaml``, relative to the rootdir) and ``durable_time_scale`` (default 1: modelled
time runs at wall speed between skips; the functions' ``Timeout`` stays in wall seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from powertools_durable.local.emulator import LocalEmulator


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("durable_template", "SAM template served by the durable_emulator fixture", default="template.yaml")
    parser.addini("durable_time_scale", "modelled time speed-up of the durable_emulator fixture", default="1")


@pytest.fixture(scope="session")
def durable_emulator(pytestconfig: pytest.Config) -> Iterator[LocalEmulator]:
    """The local emulator serving the project's SAM template (in memory, skipping clock), for the session."""
    from powertools_durable.local.emulator import LocalEmulator  # noqa: PLC0415 - only when the fixture is used

    template = Path(str(pytestconfig.getini("durable_template")))
    if not template.is_absolute():
        template = Path(pytestconfig.rootpath) / template
    if not template.exists():
        pytest.fail(f"durable_emulator: no SAM template at {template} (set durable_template in your pytest config)")
    scale = float(str(pytestconfig.getini("durable_time_scale")))
    with LocalEmulator(template, store=":memory:", time_scale=scale, skip_time=True) as emulator:
        yield emulator
