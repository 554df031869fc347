"""The emulator as people run it, for the soak and load benchmarks: ``powertools-durable local start``
in a subprocess on a temporary SAM app, a raw-HTTP Lambda client, and the server process's RSS.

Not a benchmark itself: ``emulator_soak.py`` and ``emulator_load.py`` use it.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Steps:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: Steps
      CodeUri: app/
      Handler: app.handler
      Runtime: python3.13
      Timeout: 60
      DurableConfig:
        ExecutionTimeout: 3600
        RetentionPeriodInDays: 1
"""

APP = """\
from powertools_durable import durable_execution


@durable_execution
def handler(event, context):
    total = 0
    for i in range(event.get("steps", 3)):
        total += context.step(lambda _, i=i: i + 1, name=f"step-{i}")
    return {"total": total}
"""


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


class EmulatorProcess:
    """``powertools-durable local start`` on a temporary SAM app and store, stopped on exit."""

    def __init__(self, store: str | None = None) -> None:
        self._root = tempfile.TemporaryDirectory(prefix="emulator-bench-")
        root = Path(self._root.name)
        (root / "app").mkdir()
        (root / "app" / "app.py").write_text(APP)
        (root / "template.yaml").write_text(TEMPLATE)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.store = store or str(root / "store.sqlite3")
        cli = str(Path(sys.executable).parent / "powertools-durable")
        command = [cli, "local", "start", "--template", str(root / "template.yaml"), "--port", str(self.port)]
        self._log = (root / "emulator.log").open("wb")
        self.process = subprocess.Popen(
            [*command, "--store", self.store], cwd=root, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                LambdaHttp(self.port).request("GET", "/2015-03-31/functions")
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the emulator did not start: {(root / 'emulator.log').read_text()}") from None
                time.sleep(0.1)

    @property
    def rss_kib(self) -> int:
        return rss_kib(self.process.pid)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self._root.cleanup()


class LambdaHttp:
    """A keep-alive HTTP client of the emulator's Lambda routes (one per thread; unsigned, as the emulator allows)."""

    def __init__(self, port: int) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """One request; status, headers (lower-case names) and the decoded JSON body."""
        self._connection.request(method, path, body=body, headers=headers or {})
        response = self._connection.getresponse()
        data = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, json.loads(data) if data else None

    def invoke(self, function: str, payload: Any, *, event: bool = False) -> tuple[str, Any]:
        """Invoke (RequestResponse unless ``event``); the execution's ARN and the result."""
        headers = {"X-Amz-Invocation-Type": "Event" if event else "RequestResponse"}
        status, response_headers, body = self.request(
            "POST", f"/2015-03-31/functions/{function}/invocations", json.dumps(payload).encode(), headers
        )
        if status >= 300 or "x-amz-function-error" in response_headers:
            raise RuntimeError(f"Invoke failed ({status}): {body}")
        return response_headers["x-amz-durable-execution-arn"], body

    def history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        marker = ""
        while True:
            query = {"MaxItems": "1000", **({"Marker": marker} if marker else {})}
            path = f"/2025-12-01/durable-executions/{urllib.parse.quote(arn, safe='')}/history"
            status, _, body = self.request("GET", f"{path}?{urllib.parse.urlencode(query)}")
            if status != 200:
                raise RuntimeError(f"GetDurableExecutionHistory failed ({status}): {body}")
            events += body["Events"]
            marker = body.get("NextMarker") or ""
            if not marker:
                return events

    def describe(self, arn: str) -> dict[str, Any]:
        status, _, body = self.request("GET", f"/2025-12-01/durable-executions/{urllib.parse.quote(arn, safe='')}")
        if status != 200:
            raise RuntimeError(f"GetDurableExecution failed ({status}): {body}")
        result: dict[str, Any] = body
        return result


def machine() -> str:
    return f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs"
