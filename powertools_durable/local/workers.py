"""Lambda's execution environments, emulated: one warm worker process per concurrent invocation.

Each function has up to ``max_workers_per_function`` environments; an invocation takes an idle
one, or starts one (:mod:`.worker_process`), or waits for one to come free. An environment serves
invocations one at a time, so module globals persist and the cold start is paid once, as on
Lambda.

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
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powertools_durable.local.runtimes import worker_path
from powertools_durable.local.template import FunctionSpec
from powertools_durable.local.worker_process import (
    PATH_TAIL_ENV,
    InitFailed,
    TimedOut,
    WorkerProcess,
    exit_reason,
    now_ms,
)

ACCOUNT_ID = "123456789012"
MIN_WALL_TIMEOUT_S = 1.0  # a sped-up clock never leaves an invocation less wall time than this
PASSTHROUGH_ENV = ("PATH", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "SYSTEMROOT", "VIRTUAL_ENV")


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


def trace_header() -> str:
    """An X-Ray trace header as Lambda sets ``_X_AMZN_TRACE_ID`` (not sampled: nothing is sent)."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


@dataclass
class _FunctionWorkers:
    """The environments of one function: idle ones (most recent last) and how many exist."""

    spec: FunctionSpec
    freed: threading.Condition  # on the pool's lock: wakes one waiter of *this* function per freed slot
    idle: list[WorkerProcess] = field(default_factory=list)
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
        self._workers: set[WorkerProcess] = set()
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
        worker: WorkerProcess,
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
        start_ms = now_ms()
        output: Any = None
        error: dict[str, Any] | None = None
        try:
            response = worker.run(request, wall_timeout)
            output, error = response.get("output"), response.get("error")
        except TimedOut:
            worker.kill()
            worker.reap()
            message = f"Task timed out after {spec.timeout:.2f} seconds"
            error = {"ErrorType": "Sandbox.Timedout", "ErrorMessage": f"RequestId: {request_id} Error: {message}"}
        except InitFailed as exc:
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
            end_ms = now_ms()
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

    def _acquire(self, spec: FunctionSpec) -> WorkerProcess:
        """An idle worker of ``spec``, else a new one when under the limit; else wait for one."""
        retired: list[WorkerProcess] = []
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

    def _start(self, spec: FunctionSpec) -> WorkerProcess:
        try:
            log_path = Path(tempfile.mkstemp(prefix=f"{spec.function_name}-", suffix=".log", dir=self._log_dir)[1])
            worker = WorkerProcess(spec, self.environment(spec), log_path)
        except BaseException:
            with self._lock:
                if spec.function_name in self._functions:
                    self._functions[spec.function_name].live -= 1
                    self._functions[spec.function_name].freed.notify()
            raise
        with self._lock:
            self._workers.add(worker)
        return worker

    def _release(self, worker: WorkerProcess) -> None:
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

    def _forget(self, workers: list[WorkerProcess]) -> None:
        with self._lock:
            self._workers.difference_update(workers)
        for worker in workers:
            worker.stop()
