"""A new user's project, set up as docs/deploying.md says (examples/sam), passes ``sam build`` with
powertools-durable vendored as a wheel while the package is not on the registry.

Needs SAM CLI (``scripts/sam-check.sh`` installs it into ``.venv-sam``; CI has it) and python3.13
(Lambda's runtime, which ``sam build`` builds for); skipped, saying which is missing, without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE_PROJECT = ROOT / "examples" / "sam"


def _sam() -> str | None:
    local = ROOT / ".venv-sam" / "bin" / "sam"
    return str(local) if local.exists() else shutil.which("sam")


def _env_with_python313() -> dict[str, str] | None:
    """The environment with python3.13 on PATH (pyenv's 3.13 when installed), or None if there is none."""
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    found = (
        subprocess.run(["python3.13", "--version"], capture_output=True, check=False)
        if shutil.which("python3.13")
        else None
    )
    if found is not None and found.returncode == 0:  # a pyenv shim is on PATH even when it has no 3.13 to run
        return env
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    versions = subprocess.run([pyenv, "versions", "--bare"], capture_output=True, text=True, check=False).stdout
    py313 = [v for v in versions.split() if v.startswith("3.13")]
    if not py313:
        return None
    current = [v for v in versions.split() if v.startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")]
    env["PYENV_VERSION"] = ":".join([*current[-1:], py313[-1]])
    return env


def test_a_project_from_the_guide_builds_with_the_vendored_wheel(tmp_path: Path) -> None:
    sam, env = _sam(), _env_with_python313()
    if sam is None:
        pytest.skip("SAM CLI is not installed: run scripts/sam-check.sh (it installs it into .venv-sam)")
    if env is None:
        pytest.skip("sam build needs python3.13 on PATH (or pyenv with 3.13) for the python3.13 function")
    # GIVEN the guide's project, with the wheel built from this checkout vendored next to template.yaml
    project = tmp_path / "orders-app"
    shutil.copytree(GUIDE_PROJECT, project, ignore=shutil.ignore_patterns(".aws-sam", "__pycache__"))
    wheels = project / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("powertools_durable-*-py3-none-any.whl")
    # AND requirements.txt pointing at it, as the guide's "Before powertools-durable is on the registry" says
    (project / "orders" / "requirements.txt").write_text(f"wheels/{wheel.name}\n")
    # WHEN `sam build` runs in the project
    done = subprocess.run(
        [sam, "build"], cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    # THEN it succeeds, and the built function holds the package and its dependencies
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    built = project / ".aws-sam" / "build" / "OrderFunction"
    assert (built / "powertools_durable" / "__init__.py").is_file()
    assert (built / "aws_lambda_powertools").is_dir()
    assert (built / "app.py").is_file()
