"""``powertools-durable local start`` serves the console at ``/`` on its own port, beside the AWS routes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.console.conftest import APP

pytestmark = pytest.mark.e2e

CLI = str(Path(sys.executable).parent / "powertools-durable")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = tmp_path / "emulator.log"
    command = [CLI, "local", "start", "-t", str(APP), "--port", str(port), "--store", ":memory:", "--time-scale", "10"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/", timeout=5):
                break
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"the emulator did not start: {log.read_text()}"
            time.sleep(0.1)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=15)


def test_local_start_serves_the_console(page: Any, served: str) -> None:
    # GIVEN the emulator started from the command line
    page.goto(f"{served}/")
    page.click("#start-panel summary")
    # THEN its console lists the template's functions, and starts one to its end
    expect(page.locator("#start-function option")).to_have_count(5)
    page.select_option("#start-function", "Echo")
    page.fill("#start-input", '{"via": "local start"}')
    page.click("#start-button")
    expect(page.locator("#execution-header h1 .badge")).to_have_text("SUCCEEDED")
    expect(page.locator("#execution-result")).to_contain_text('"via": "local start"')
