"""``local start --host``: an address other than loopback warns that the emulator has no authentication."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from powertools_durable.local.cli import is_loopback, main

pytestmark = pytest.mark.e2e

TEMPLATE = Path(__file__).parents[3] / "template.yaml"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("my-laptop.local", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_binding_every_interface_warns_on_stderr_and_still_serves() -> None:
    # GIVEN `local start --host 0.0.0.0`, as a user runs it
    port = _free_port()
    command = [sys.executable, "-m", "powertools_durable.local.cli", "local", "start", "--host", "0.0.0.0"]
    command += ["--port", str(port), "--store", ":memory:", "--template", str(TEMPLATE)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()  # the first line is printed once it listens
        # THEN it serves, and stderr carries the warning
        assert f":{port}" in ready
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "WARNING: binding 0.0.0.0" in stderr
    assert "no authentication" in stderr


def test_loopback_start_prints_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a start on loopback that fails right after the host check (no template there)
    code = main(["local", "start", "--host", "127.0.0.1", "--template", str(tmp_path / "none.yaml")])
    # THEN no warning, only the template error
    err = capsys.readouterr().err
    assert code == 1
    assert "WARNING" not in err
    assert "none.yaml" in err
