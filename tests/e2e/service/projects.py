"""A user's project, run as its developer runs it: ``pytest`` in it, or ``powertools-durable local start`` there."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


def run_users_pytest(project: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``pytest -q`` in ``project`` (the durable_emulator plugin comes from the installed package)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Served:
    """A ``local start`` process, its URL and the lines it printed before it was ready."""

    process: subprocess.Popen[str]
    endpoint: str
    banner: list[str]

    def stop(self) -> str:
        """Stop it as Ctrl-C does; what it printed after the banner."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=30)
        return out

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def local_start(project: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    """``powertools-durable local start --port 0 --store :memory: ARGS`` in ``project``, once it is ready."""
    command = [sys.executable, "-m", "powertools_durable.local.cli", "local", "start", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--store", ":memory:", *args],
        cwd=project,
        env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    banner: list[str] = []
    while not banner or not banner[-1].startswith("try:"):
        line = process.stdout.readline()
        if not line:
            process.wait()
            raise AssertionError(f"the emulator did not start: {''.join(banner)}")
        banner.append(line)
    match = re.search(r"emulator on (http://\S+)", "".join(banner))
    assert match, banner
    return Served(process, match.group(1), banner)
