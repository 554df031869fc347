"""The console works from the installed wheel: its page, script and style are package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ASSETS = ("index.html", "console.js", "timeline.js", "console.css")

SERVE_FROM_WHEEL = """
import powertools_durable
from powertools_durable.local.console.api import ConsoleApi
assert powertools_durable.__file__.startswith(%r), powertools_durable.__file__
for name in %r:
    response = ConsoleApi(service=None).asset(name)
    assert response.status_code == 200 and len(response.body) > 500, name
print("served")
"""


def test_the_console_ships_in_the_wheel_and_serves_from_it(tmp_path: Path) -> None:
    # GIVEN the project's wheel, built as pip builds it
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("powertools_durable-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    # THEN it holds the console's files
    for asset in ASSETS:
        assert f"powertools_durable/local/console/static/{asset}" in names
    # AND, unpacked and imported instead of the source tree, the console serves them
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    completed = subprocess.run(
        [sys.executable, "-c", SERVE_FROM_WHEEL % (str(unpacked), ASSETS)],
        env={**os.environ, "PYTHONPATH": str(unpacked)},
        cwd=tmp_path,  # not the source tree
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.stdout.strip() == "served", completed.stderr
