"""One emulated execution environment, seen from the emulator: a worker process and its channels.

The worker (:mod:`.worker_main`) imports the function's handler once and then serves
invocations one at a time. Requests go down the worker's stdin and responses come back on a pipe
of their own, as length-prefixed JSON frames; the function's stdout and stderr (file descriptors
1 and 2, so output reaches us however the function writes it, Powertools Logger included) go to
a per-worker file, and the bytes written during an invocation are that invocation's logs.
Which process runs an invocation, and what Lambda reports when one fails, is
:class:`~powertools_durable.local.workers.WorkerPool`'s part.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from powertools_durable.local import worker_main
from powertools_durable.local.template import FunctionSpec
from powertools_durable.local.worker_main import HEADER

PATH_TAIL_ENV = "_POWERTOOLS_DURABLE_SYS_PATH_TAIL"  # read (and removed) by the bootstrap, never by user code
_BOOTSTRAP = f"""\
import os, sys
sys.path += [p for p in os.environ.pop({PATH_TAIL_ENV!r}, "").split(os.pathsep) if p]
path = sys.argv.pop(1)
with open(path, "rb") as source:
    code = compile(source.read(), path, "exec")
exec(code, {{"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}})
"""  # the worker script run as __main__ without runpy (~7 ms of imports off every cold start)
INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit; a cold start does not eat into the function's Timeout
LOG_TRUNCATE_BYTES = 1 << 20
SIGNAL_NAMES = {  # as Lambda (Go's os/exec) words a runtime killed by a signal
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGINT: "interrupt",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGILL: "illegal instruction",
}


class InitFailed(Exception):
    """The worker could not load the handler; ``error`` is what Lambda reports for that."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("ErrorMessage", ""))
        self.error = error


class TimedOut(Exception):
    """The worker did not answer before its deadline."""


def now_ms() -> int:
    """Wall-clock epoch milliseconds, as Lambda stamps deadlines and invocation times."""
    return int(time.time() * 1000)


def worker_command(spec: FunctionSpec, response_fd: int) -> list[str]:
    """The worker as a script on the function's interpreter: it imports nothing of the package itself,
    so a function's own (vendored) ``powertools_durable`` is the one its handler imports."""
    interpreter = getattr(spec, "interpreter", None) or sys.executable
    return [interpreter, "-c", _BOOTSTRAP, str(Path(worker_main.__file__).resolve()), str(response_fd)]


def exit_reason(returncode: int) -> str:
    """Lambda's words for how a runtime process ended."""
    if returncode == 0:
        return "Runtime exited without providing a reason"
    if returncode > 0:
        return f"Runtime exited with error: exit status {returncode}"
    try:
        signum = signal.Signals(-returncode)
    except ValueError:
        return f"Runtime exited with error: signal {-returncode}"
    return f"Runtime exited with error: signal: {SIGNAL_NAMES.get(signum, signum.name.lower())}"


class WorkerProcess:
    """One execution environment: a worker process, its two channels and its log file."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log_path: Path) -> None:
        self.spec = spec
        self.ready = False
        self._stopped = False
        self._log_fd = os.open(log_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        self._log_path = log_path
        self._log_offset = 0
        read_fd, write_fd = os.pipe()
        try:
            self.process = subprocess.Popen(  # the function's interpreter, our worker script
                worker_command(spec, write_fd),
                stdin=subprocess.PIPE,
                stdout=self._log_fd,
                stderr=self._log_fd,
                pass_fds=(write_fd,),
                env=env,
                cwd=spec.code_uri,
                start_new_session=True,  # its own process group: a timeout kills what it started too
            )
        except BaseException:
            os.close(read_fd)
            os.close(self._log_fd)
            raise
        finally:
            os.close(write_fd)  # only the child holds the write end: its death is our EOF
        self._responses = read_fd

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, request: dict[str, Any], wall_timeout: float) -> dict[str, Any]:
        """Send one request; its response frame. Raises :class:`TimedOut`, or EOFError if the process died."""
        if not self.ready:
            frame = self._read_frame(time.monotonic() + max(INIT_TIMEOUT_S, wall_timeout))
            if "init_error" in frame:
                raise InitFailed(frame["init_error"])
            self.ready = True
        deadline = time.monotonic() + wall_timeout
        request["deadline_ms"] = now_ms() + int(wall_timeout * 1000)
        body = json.dumps(request).encode()
        stdin = self.process.stdin
        assert stdin is not None  # Popen(stdin=PIPE)
        try:
            stdin.write(HEADER.pack(len(body)) + body)
            stdin.flush()
        except (BrokenPipeError, ValueError):
            raise EOFError from None
        return self._read_frame(deadline)

    def _read_frame(self, deadline: float) -> dict[str, Any]:
        (size,) = HEADER.unpack(self._read_exact(HEADER.size, deadline))
        frame: dict[str, Any] = json.loads(self._read_exact(size, deadline))
        return frame

    def _read_exact(self, size: int, deadline: float) -> bytes:
        poller = select.poll()
        poller.register(self._responses, select.POLLIN)
        data = bytearray()
        while len(data) < size:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0 or not poller.poll(remaining_ms):
                raise TimedOut
            chunk = os.read(self._responses, size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return bytes(data)

    def take_logs(self) -> str:
        """What fds 1 and 2 received since the last call."""
        end = os.fstat(self._log_fd).st_size
        data = os.pread(self._log_fd, end - self._log_offset, self._log_offset) if end > self._log_offset else b""
        self._log_offset = end
        if end > LOG_TRUNCATE_BYTES:  # long-lived workers: start the file over (O_APPEND follows)
            os.ftruncate(self._log_fd, 0)
            self._log_offset = 0
        return data.decode("utf-8", errors="replace")

    def reap(self) -> int:
        """Wait for a process that is ending (kill it if it lingers); its return code."""
        try:
            return self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.wait()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def stop(self) -> None:
        """Kill the process and release its pipes and log file (once: fd numbers get reused)."""
        if self._stopped:
            return
        self._stopped = True
        self.kill()
        self.process.wait()
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        for fd in (self._responses, self._log_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            self._log_path.unlink()
