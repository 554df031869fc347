"""A function runs on the Python its Runtime names (pyenv 3.13 here), with its vendored packages first."""

from __future__ import annotations

import dataclasses
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.runtimes import (
    INTERPRETER_ENV,
    PACKAGE_ROOT,
    InterpreterWarning,
    find_python,
    runtime_version,
)
from powertools_durable.local.workers import WorkerPool
from tests.unit.local.test_workers import ENDPOINT, make_function

REPORT = """
import sys
import powertools_durable
import vendored_lib


def handler(event, context):
    return {
        "version": list(sys.version_info[:2]),
        "executable": sys.executable,
        "package": powertools_durable.__file__,
        "vendored": vendored_lib.WHERE,
        "path": sys.path,
    }
"""


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(ENDPOINT, region="eu-west-1") as workers:
        yield workers


def test_runtime_versions() -> None:
    assert runtime_version("python3.13") == (3, 13)
    assert runtime_version("nodejs22.x") is None


def test_the_current_interpreter_serves_its_own_version() -> None:
    current = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert find_python(current) == sys.executable


def test_a_runtime_missing_on_the_machine_warns_once_and_uses_the_current_python() -> None:
    # GIVEN a Python version no machine has / WHEN looked up twice
    with pytest.warns(InterpreterWarning, match=r"Runtime python3\.99: no Python 3\.99 on this machine") as warned:
        first = find_python("python3.99")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would raise
        second = find_python("python3.99")
    # THEN the current interpreter runs it, and the warning came once
    assert first == second == sys.executable
    assert len(warned) == 1


@pytest.mark.skipif(find_python("python3.13") == sys.executable and sys.version_info[:2] != (3, 13), reason="no 3.13")
def test_a_python313_function_runs_on_python313_with_vendored_packages_first(tmp_path: Path, pool: WorkerPool) -> None:
    # GIVEN a python3.13 function whose code directory vendors a package (as `sam build` leaves it)
    spec = make_function(tmp_path, REPORT, files={"vendored_lib.py": "WHERE = 'task root'\n"})
    spec = dataclasses.replace(spec, interpreter=find_python("python3.13"))
    # WHEN invoked
    outcome = pool.invoke(spec, {})
    # THEN it ran on Python 3.13, imported the emulator's package and the vendored module from the task root
    assert outcome.error is None, outcome.logs
    assert outcome.output["version"] == [3, 13]
    assert Path(outcome.output["package"]).resolve().is_relative_to(PACKAGE_ROOT)
    assert outcome.output["vendored"] == "task root"
    # AND the emulator's paths come after the interpreter's own (they never shadow its standard library)
    path = outcome.output["path"]
    stdlib = next(i for i, entry in enumerate(path) if entry.endswith("lib/python3.13"))
    if sys.version_info[:2] != (3, 13):
        assert path.index(str(PACKAGE_ROOT)) > stdlib


def test_a_vendored_powertools_durable_shadows_the_emulators(tmp_path: Path, pool: WorkerPool) -> None:
    # GIVEN a function directory that bundles its own powertools_durable (a built project)
    spec = make_function(
        tmp_path,
        REPORT,
        files={"vendored_lib.py": "WHERE = 'task root'\n", "powertools_durable/__init__.py": "BUNDLED = True\n"},
    )
    # WHEN invoked / THEN the handler imports the bundled copy, as on Lambda
    outcome = pool.invoke(spec, {})
    assert outcome.error is None, outcome.logs
    assert Path(outcome.output["package"]) == spec.code_uri / "powertools_durable" / "__init__.py"


def test_an_environment_variable_chooses_the_interpreter_for_every_function(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN POWERTOOLS_DURABLE_LOCAL_PYTHON set to "current", then to an interpreter path
    monkeypatch.setenv(INTERPRETER_ENV, "current")
    assert find_python("python3.99") == sys.executable  # no warning either: nothing is looked up
    monkeypatch.setenv(INTERPRETER_ENV, "/opt/python3.13/bin/python3")
    assert find_python("python3.12") == "/opt/python3.13/bin/python3"
