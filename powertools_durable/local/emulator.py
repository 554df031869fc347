"""The emulator in one object: store, clock, service, scheduler, workers and HTTP server.

Used by ``powertools-durable local start``, the pytest fixture and the conformance runner::

    with LocalEmulator("template.yaml", time_scale=100) as emulator:
        run = emulator.run("StepWaitStepFunction", {"name": "you"})
        assert run.status == "SUCCEEDED", run.error
        boto3.client("lambda", endpoint_url=emulator.endpoint_url, ...)

In the background (``start()``/context manager) the server runs on its own thread, on a
free port unless one is given; ``serve()`` runs it in the foreground until SIGINT/SIGTERM.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from powertools_durable.local import arns, history
from powertools_durable.local.clock import ScaledClock, SkippingClock
from powertools_durable.local.executions import RUNNING, ExecutionService
from powertools_durable.local.invoker import FunctionLike, Invoker
from powertools_durable.local.scheduler import Scheduler
from powertools_durable.local.server import create_app
from powertools_durable.local.store import ExecutionRecord, SQLiteStore, Store
from powertools_durable.local.template import load_template
from powertools_durable.local.workers import WorkerPool
from powertools_durable.service.wire import WireDict

InvokerFactory = Callable[[str], Invoker]


@dataclass
class ExecutionResult:
    """How an execution ended: status, JSON-decoded result, error object and full history."""

    arn: str
    status: str
    result: Any = None
    error: WireDict | None = None
    history: list[WireDict] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)

    def events(self, event_type: str) -> list[WireDict]:
        """The history's events of one ``EventType``."""
        return [e for e in self.history if e["EventType"] == event_type]


def _worker_pool(region: str) -> InvokerFactory:
    def build(endpoint_url: str) -> Invoker:
        return WorkerPool(endpoint_url, region=region)

    return build


class LocalEmulator:
    """The local durable-execution service and Lambda, for one SAM template.

    Parameters
    ----------
    template
        A SAM template path, or function specs by name (tests with their own invoker).
    store
        ``":memory:"``, a SQLite file path (survives restarts), or any :class:`Store`.
    time_scale
        Modelled time runs this many times faster than the wall (histories keep modelled durations).
    skip_time
        Jump to the next timer whenever nothing is in flight (tests: long waits take no time).
    host, port
        Where the server binds; port 0 picks a free one (see :attr:`endpoint_url`).
    invoker
        Builds the invoker from the endpoint URL; default: worker processes (:class:`WorkerPool`).
    max_failures
        Consecutive failed invocations (crash, timeout) after which the execution fails.
    page_size
        Most operations in an invocation event; the SDK pages in the rest.
    """

    def __init__(
        self,
        template: str | Path | Mapping[str, FunctionLike],
        *,
        store: str | Path | Store = ":memory:",
        time_scale: float = 1.0,
        skip_time: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = arns.DEFAULT_REGION,
        invoker: InvokerFactory | None = None,
        max_failures: int = 5,
        page_size: int = 1000,
    ) -> None:
        self.functions: dict[str, FunctionLike] = (
            dict(template) if isinstance(template, Mapping) else dict(load_template(template, region=region))
        )
        self.store: Store = store if not isinstance(store, str | Path) else SQLiteStore(store)
        origin = max(int(time.time() * 1000), self.store.latest_timestamp_ms())
        self.clock = (SkippingClock if skip_time else ScaledClock)(time_scale, origin_ms=origin)
        self.region = region
        # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (with proto 0 it does not,
        # and every keep-alive response then waits ~40 ms for a delayed ACK)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((host, port))
        self.host, self.port = host, self._socket.getsockname()[1]
        self.invoker = (invoker or _worker_pool(region))(self.endpoint_url)
        self.service = ExecutionService(self.store, self.clock, self.functions, region=region, page_size=page_size)
        self.scheduler = Scheduler(self.service, self.invoker, max_failures=max_failures)
        app = create_app(self.service, self._run_plain)
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            timeout_keep_alive=30,
            access_log=False,
            timeout_graceful_shutdown=2,  # a RequestResponse invoke may be waiting minutes: do not wait for it
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._closed = False
        self.recovered = 0

    @property
    def endpoint_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> LocalEmulator:
        """Serve on a background thread and resume what the store left running."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="durable-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator's server did not start on {self.endpoint_url}")
            time.sleep(0.01)
        self.scheduler.purge()
        self.recovered = self.scheduler.recover()
        return self

    def serve(self, on_ready: Callable[[LocalEmulator], None] | None = None) -> None:
        """Serve in the foreground until SIGINT/SIGTERM, then close."""
        original_startup = self._server.startup

        async def startup(sockets: list[socket.socket] | None = None) -> None:
            await original_startup(sockets)
            self.scheduler.purge()
            self.recovered = self.scheduler.recover()
            if on_ready is not None:
                on_ready(self)

        self._server.startup = startup  # type: ignore[method-assign]
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._close_service()

    def close(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._close_service()

    def _close_service(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.scheduler.close()
        self.invoker.close()
        self.clock.close()
        self.store.close()
        self._socket.close()

    def __enter__(self) -> LocalEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- in-process API -------------------------------------------------------------------

    def invoke(self, function: str, input: Any = None, *, name: str | None = None) -> str:
        """Start an execution of ``function`` with ``input`` (any JSON value); return its ARN."""
        record, _ = self.service.start(function, json.dumps(input), name=name)
        return record.arn

    def wait(self, arn: str, timeout: float = 60) -> ExecutionResult:
        """Wait (wall seconds) for the execution to end; raise :class:`TimeoutError` if it does not."""
        done = threading.Event()
        self.service.add_listener(arn, lambda record: done.set())
        if not done.wait(timeout):
            raise TimeoutError(f"execution {arn} still running after {timeout} s")
        return self.result(arn)

    def run(self, function: str, input: Any = None, *, name: str | None = None, timeout: float = 60) -> ExecutionResult:
        """Start an execution and wait for it to end."""
        return self.wait(self.invoke(function, input, name=name), timeout)

    def result(self, arn: str) -> ExecutionResult:
        """The execution as it is now (status RUNNING while it runs)."""
        record: ExecutionRecord = self.service.record(arn)
        result = json.loads(record.result) if record.result else None
        return ExecutionResult(arn, record.status, result, record.error, self.history(arn), self.store.logs(arn))

    def history(self, arn: str) -> list[WireDict]:
        """Every event of the execution, in the wire shape with payloads."""
        return [history.render(event) for event in self.store.events(arn)]

    def running(self) -> list[str]:
        return [r.arn for r in self.store.executions(status=RUNNING)]

    def client(self) -> Any:
        """A boto3 ``lambda`` client pointed at this emulator (dummy credentials)."""
        import boto3  # noqa: PLC0415 - only for callers that want one
        from botocore.config import Config  # noqa: PLC0415

        return boto3.client(
            "lambda",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"mode": "standard", "max_attempts": 2}, read_timeout=900),
        )

    def _run_plain(self, spec: Any, payload: str) -> WireDict:
        return self.scheduler.run_plain(spec, payload)
