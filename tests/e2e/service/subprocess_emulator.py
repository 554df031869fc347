"""``powertools-durable local start`` as a subprocess (as people run it), for the crash tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from tests.e2e.service.standin import client

ROOT = Path(__file__).resolve().parents[3]
CLI = [str(Path(sys.executable).parent / "powertools-durable")]

SLEEPY_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Sleepy:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: Sleepy
      CodeUri: app/
      Handler: app.handler
      Runtime: python3.13
      Timeout: 120
      DurableConfig:
        ExecutionTimeout: 3600
"""

SLEEPY_APP = """\
import os
import time
import uuid

from powertools_durable import durable_execution


def sleep(event):
    open(os.path.join(event["running"], str(uuid.uuid4())), "w").close()  # the test sees the step running
    time.sleep(event["seconds"])


@durable_execution
def handler(event, context):
    context.step(lambda _: sleep(event), name="sleep")
    return "done"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sleepy_app(directory: Path) -> Path:
    """A SAM app with one function, ``Sleepy``, whose step drops a file into ``event["running"]`` then
    sleeps ``event["seconds"]``."""
    (directory / "app").mkdir(parents=True, exist_ok=True)
    (directory / "app" / "app.py").write_text(SLEEPY_APP)
    template = directory / "template.yaml"
    template.write_text(SLEEPY_TEMPLATE)
    return template


def start(port: int, store: Path, log: Path, template: Path = ROOT / "template.yaml") -> subprocess.Popen[bytes]:
    """Start the emulator and wait until it answers."""
    command = [*CLI, "local", "start", "--template", str(template), "--port", str(port)]
    command += ["--store", str(store), "--time-scale", "1"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    lambda_client = client(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            lambda_client.list_functions()
            return process
        except (BotoCoreError, ClientError):
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
    raise AssertionError(f"the emulator did not start: {log.read_text()}")


def kill9(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the emulator and its worker processes, like a machine crash."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
