"""Lambda's execution environments, emulated: one warm worker process per concurrent invocation.

A worker (:mod:`.worker_main`) imports the function's handler once and then serves
invocations one at a time, so module globals persist and the cold start is paid once, as on
Lambda. Requests go down the worker's stdin and responses come back on a pipe of their own,
as length-prefixed JSON frames; the function's stdout and stderr (file descriptors 1 and 2,
so output reaches us however the function writes it, Powertools Logger included) go to a
per-worker file, and the bytes written during an invocation are that invocation's logs.

A worker that dies (an exception at import, ``os._exit``, a signal) yields a
``Runtime.ExitError`` and is discarded; one that runs past the function's timeout is killed
(``Sandbox.Timedout``); a handler's exception is an error of the invocation only and the
worker stays warm.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powertools_durable.local import worker_main
from powertools_durable.local.runtimes import worker_path
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
ACCOUNT_ID = "123456789012"
INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit; a cold start does not eat into the function's Timeout
MIN_WALL_TIMEOUT_S = 1.0  # a sped-up clock never leaves an invocation less wall time than this
LOG_TRUNCATE_BYTES = 1 << 20
PASSTHROUGH_ENV = ("PATH", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "SYSTEMROOT", "VIRTUAL_ENV")
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


@dataclass(frozen=True)
class InvocationOutcome:
    """What one invocation produced: the handler's output or the error Lambda would report, and its logs."""

    request_id: str
    output: Any | None
    error: dict[str, Any] | None
    logs: str
    start_ms: int
    end_ms: int


OutcomeObserver = Callable[[FunctionSpec, Any, InvocationOutcome], None]


class _InitFailed(Exception):
    """The worker could not load the handler; ``error`` is what Lambda reports for that."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("ErrorMessage", ""))
        self.error = error


class _TimedOut(Exception):
    """The worker did not answer before its deadline."""


def _now_ms() -> int:
    return int(time.time() * 1000)


def trace_header() -> str:
    """An X-Ray trace header as Lambda sets ``_X_AMZN_TRACE_ID`` (not sampled: nothing is sent)."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


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


class _Worker:
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
        """Send one request; its response frame. Raises :class:`_TimedOut`, or EOFError if the process died."""
        if not self.ready:
            frame = self._read_frame(time.monotonic() + max(INIT_TIMEOUT_S, wall_timeout))
            if "init_error" in frame:
                raise _InitFailed(frame["init_error"])
            self.ready = True
        deadline = time.monotonic() + wall_timeout
        request["deadline_ms"] = _now_ms() + int(wall_timeout * 1000)
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
                raise _TimedOut
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


@dataclass
class _FunctionWorkers:
    """The environments of one function: idle ones (most recent last) and how many exist."""

    spec: FunctionSpec
    freed: threading.Condition  # on the pool's lock: wakes one waiter of *this* function per freed slot
    idle: list[_Worker] = field(default_factory=list)
    live: int = 0


class WorkerPool:
    """Runs invocations in warm worker processes, as Lambda runs execution environments.

    Parameters
    ----------
    endpoint_url
        The emulator's URL, given to functions as ``AWS_ENDPOINT_URL_LAMBDA`` so the engine
        checkpoints to it through its normal client.
    region
        ``AWS_REGION`` of the functions.
    max_workers_per_function
        Concurrent invocations of one function beyond this wait for a worker to come free.
    on_outcome
        Called with ``(spec, event, outcome)`` after each invocation (``local start`` prints it).
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        region: str = "us-east-1",
        max_workers_per_function: int = 8,
        on_outcome: OutcomeObserver | None = None,
    ) -> None:
        if max_workers_per_function < 1:
            raise ValueError("max_workers_per_function must be at least 1")
        self.endpoint_url = endpoint_url
        self.region = region
        self.max_workers_per_function = max_workers_per_function
        self._lock = threading.RLock()
        self._functions: dict[str, _FunctionWorkers] = {}
        self._workers: set[_Worker] = set()
        self._closed = False
        self._log_dir = Path(tempfile.mkdtemp(prefix="powertools-durable-workers-"))
        self.on_outcome = on_outcome

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def invoke(
        self, spec: FunctionSpec, event: Any, *, request_id: str | None = None, timeout_scale: float = 1.0
    ) -> InvocationOutcome:
        """Blocking and thread-safe: runs one invocation in a warm worker process of the function
        (starting one if none is idle), as Lambda runs execution environments."""
        with self.reserve(spec) as run:
            return run(event, request_id=request_id, timeout_scale=timeout_scale)

    @contextlib.contextmanager
    def reserve(self, spec: FunctionSpec) -> Iterator[Callable[..., InvocationOutcome]]:
        """Wait for a worker of ``spec`` and hold it for the ``with`` block; yields ``run(event, ...)``.

        The scheduler records an invocation as begun only once it holds a worker, so an
        invocation that merely waited in the queue is not a failed attempt after a crash.
        """
        worker = self._acquire(spec)
        try:
            yield functools.partial(self._run, worker, spec)
        finally:
            self._release(worker)

    def _run(
        self,
        worker: _Worker,
        spec: FunctionSpec,
        event: Any,
        *,
        request_id: str | None = None,
        timeout_scale: float = 1.0,
    ) -> InvocationOutcome:
        if timeout_scale <= 0:
            raise ValueError("timeout_scale must be positive")
        request_id = request_id or str(uuid.uuid4())
        request = {
            "request_id": request_id,
            "event": json.dumps(event),  # serialized here: an event that is not JSON fails before any worker runs
            "invoked_function_arn": self.function_arn(spec) + ":$LATEST",
            "trace_id": trace_header(),
        }
        wall_timeout = max(spec.timeout / timeout_scale, MIN_WALL_TIMEOUT_S)
        start_ms = _now_ms()
        output: Any = None
        error: dict[str, Any] | None = None
        try:
            response = worker.run(request, wall_timeout)
            output, error = response.get("output"), response.get("error")
        except _TimedOut:
            worker.kill()
            worker.reap()
            message = f"Task timed out after {spec.timeout:.2f} seconds"
            error = {"ErrorType": "Sandbox.Timedout", "ErrorMessage": f"RequestId: {request_id} Error: {message}"}
        except _InitFailed as exc:
            worker.reap()  # it exits after its report: this environment is done, the next invocation starts anew
            error = exc.error
        except EOFError:
            reason = exit_reason(worker.reap())
            error = {"ErrorType": "Runtime.ExitError", "ErrorMessage": f"RequestId: {request_id} Error: {reason}"}
        except BaseException:
            worker.kill()  # the channel is in an unknown state: this environment is done
            worker.reap()
            raise
        finally:
            end_ms = _now_ms()
            logs = worker.take_logs()
        outcome = InvocationOutcome(request_id, output, error, logs, start_ms, end_ms)
        if self.on_outcome is not None:  # the terminal's START / END / REPORT lines
            self.on_outcome(spec, event, outcome)
        return outcome

    def function_arn(self, spec: FunctionSpec) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{spec.function_name}"

    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """A worker's environment: Lambda's variables, then the function's, then the emulator's endpoint."""
        env = {name: os.environ[name] for name in PASSTHROUGH_ENV if name in os.environ}
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.function_name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{uuid.uuid4().hex}",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "LAMBDA_TASK_ROOT": str(spec.code_uri),
                "_HANDLER": spec.handler,
                "AWS_ACCESS_KEY_ID": "AKIAEMULATORLOCAL000",
                "AWS_SECRET_ACCESS_KEY": "emulator-local-secret",
                "AWS_SESSION_TOKEN": "emulator-local-session",
                "TZ": ":UTC",
                "PYTHONUNBUFFERED": "1",  # output reaches the log file as written, even if the process dies
            }
        )
        env.update(spec.environment)
        interpreter = getattr(spec, "interpreter", None) or sys.executable
        front, tail = worker_path(interpreter, getattr(spec, "layers", ()))
        python_path = os.pathsep.join(p for p in [*front, env.get("PYTHONPATH", "")] if p)  # the function's own last
        if python_path:
            env["PYTHONPATH"] = python_path
        env[PATH_TAIL_ENV] = os.pathsep.join(tail)
        env["AWS_ENDPOINT_URL_LAMBDA"] = self.endpoint_url
        return env

    def close(self) -> None:
        """Stop every worker; an invocation still running ends as a Runtime.ExitError."""
        with self._lock:
            self._closed = True
            idle = [worker for workers in self._functions.values() for worker in workers.idle]
            busy = self._workers.difference(idle)  # released (and stopped) by their invoking threads
            self._workers.difference_update(idle)
            for workers in self._functions.values():
                workers.freed.notify_all()
            self._functions.clear()
        for worker in idle:
            worker.stop()
        for worker in busy:
            worker.kill()
        shutil.rmtree(self._log_dir, ignore_errors=True)

    def _acquire(self, spec: FunctionSpec) -> _Worker:
        """An idle worker of ``spec``, else a new one when under the limit; else wait for one."""
        retired: list[_Worker] = []
        try:
            with self._lock:
                while True:
                    if self._closed:
                        raise RuntimeError("the worker pool is closed")
                    workers = self._functions.get(spec.function_name)
                    if workers is None:
                        workers = _FunctionWorkers(spec, threading.Condition(self._lock))
                        self._functions[spec.function_name] = workers
                    if workers.spec != spec:  # the template changed: its old environments retire
                        retired += workers.idle
                        workers.live -= len(workers.idle)
                        workers.idle.clear()
                        workers.spec = spec
                        workers.freed.notify_all()
                    while workers.idle:
                        worker = workers.idle.pop()
                        if worker.alive:
                            return worker
                        retired.append(worker)
                        workers.live -= 1
                    if workers.live < self.max_workers_per_function:
                        workers.live += 1
                        break
                    workers.freed.wait()
            return self._start(spec)
        finally:
            self._forget(retired)

    def _start(self, spec: FunctionSpec) -> _Worker:
        try:
            log_path = Path(tempfile.mkstemp(prefix=f"{spec.function_name}-", suffix=".log", dir=self._log_dir)[1])
            worker = _Worker(spec, self.environment(spec), log_path)
        except BaseException:
            with self._lock:
                if spec.function_name in self._functions:
                    self._functions[spec.function_name].live -= 1
                    self._functions[spec.function_name].freed.notify()
            raise
        with self._lock:
            self._workers.add(worker)
        return worker

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            workers = self._functions.get(worker.spec.function_name)
            keep = not self._closed and workers is not None and worker.alive and workers.spec == worker.spec
            if workers is not None and keep:
                workers.idle.append(worker)
            elif workers is not None:
                workers.live -= 1
            if workers is not None:
                workers.freed.notify()
        if not keep:
            self._forget([worker])

    def _forget(self, workers: list[_Worker]) -> None:
        with self._lock:
            self._workers.difference_update(workers)
        for worker in workers:
            worker.stop()
