"""The emulator in one object: store, clock, service, scheduler, workers and HTTP server.

Used by ``powertools-durable local start``, the pytest fixture and the conformance runner::

    with LocalEmulator("template.yaml", time_scale=100) as emulator:
        run = emulator.run("StepWaitStepFunction", {"name": "you"})
        assert run.status == "SUCCEEDED", run.error
        boto3.client("lambda", endpoint_url=emulator.endpoint_url, ...)

Tests of human-in-the-loop workflows use the API of AWS's testing library: ``run_async``,
``wait_for_callback``, ``send_callback_success|failure|heartbeat``, ``wait_for_result``
(see :mod:`.holding_clock` for how skipped time waits for the test's answer).

In the background (``start()``/context manager) the server runs on its own thread, on a
free port unless one is given; ``serve()`` runs it in the foreground until SIGINT/SIGTERM.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from powertools_durable.local import arns, history
from powertools_durable.local.callbacks import CallbackService
from powertools_durable.local.clock import ScaledClock
from powertools_durable.local.executions import RUNNING, ExecutionService
from powertools_durable.local.holding_clock import HoldingClock
from powertools_durable.local.invoker import FunctionLike, Invoker
from powertools_durable.local.overrides import parse_parameter_overrides
from powertools_durable.local.results import ExecutionResult, error_object, operations, pending_callback
from powertools_durable.local.scheduler import Scheduler
from powertools_durable.local.server import create_app
from powertools_durable.local.store import ExecutionRecord, SQLiteStore, Store
from powertools_durable.local.template import load_template
from powertools_durable.local.workers import OutcomeObserver, WorkerPool
from powertools_durable.service.wire import OperationStatus, OperationType, WireDict

__all__ = ["ExecutionResult", "LocalEmulator"]

InvokerFactory = Callable[[str], Invoker]
POLL_S = 0.01


def _worker_pool(region: str, on_invocation: OutcomeObserver | None) -> InvokerFactory:
    def build(endpoint_url: str) -> Invoker:
        return WorkerPool(endpoint_url, region=region, on_outcome=on_invocation)

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
    parameter_overrides
        Template parameter values: a mapping, or SAM CLI's ``Key=Value`` /
        ``ParameterKey=K,ParameterValue=V`` strings.
    env_vars
        SAM CLI's env-vars file (or its content): ``{"LogicalId": {...}, "Parameters": {...}}``.
    on_invocation
        Called with ``(spec, event, outcome)`` after each invocation of the default invoker
        (``local start`` prints START / END / REPORT with it: :mod:`.terminal`).
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
        parameter_overrides: Mapping[str, Any] | str | Iterable[str] | None = None,
        env_vars: str | Path | Mapping[str, Any] | None = None,
        on_invocation: OutcomeObserver | None = None,
    ) -> None:
        if isinstance(template, Mapping):
            self.functions: Mapping[str, FunctionLike] = dict(template)
        else:
            overrides = (
                dict(parameter_overrides)
                if isinstance(parameter_overrides, Mapping)
                else parse_parameter_overrides(parameter_overrides)
            )
            self.functions = load_template(template, region=region, parameter_overrides=overrides, env_vars=env_vars)
        # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (with proto 0 it does not,
        # and every keep-alive response then waits ~40 ms for a delayed ACK)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._socket.bind((host, port))  # before the store and the clock: a busy port leaves nothing open
        except OSError:
            self._socket.close()
            raise
        self.host, self.port = host, self._socket.getsockname()[1]
        self.store: Store = store if not isinstance(store, str | Path) else SQLiteStore(store)
        origin = max(int(time.time() * 1000), self.store.latest_timestamp_ms())
        self.clock: ScaledClock = (HoldingClock if skip_time else ScaledClock)(time_scale, origin_ms=origin)
        self._awaiting: set[str] = set()  # run_async executions whose result the test has not asked for yet
        if isinstance(self.clock, HoldingClock):
            self.clock.held = self._callback_pending
        self.region = region
        self.invoker = (invoker or _worker_pool(region, on_invocation))(self.endpoint_url)
        self.service = ExecutionService(self.store, self.clock, self.functions, region=region, page_size=page_size)
        self.scheduler = Scheduler(self.service, self.invoker, max_failures=max_failures)
        self.callbacks = CallbackService(self.service)
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
        logs, ops = self.store.logs(arn), operations(self.store.operations(arn))
        return ExecutionResult(arn, record.status, result, record.error, self.history(arn), logs, ops)

    def history(self, arn: str) -> list[WireDict]:
        """Every event of the execution, in the wire shape with payloads."""
        return [history.render(event) for event in self.store.events(arn)]

    def running(self) -> list[str]:
        return [r.arn for r in self.store.executions(status=RUNNING)]

    # -- the testing API of AWS's testing library ------------------------------------------

    def run_async(self, function: str, input: Any = None, *, name: str | None = None) -> str:
        """Start an execution and return its ARN at once; time will not skip past its callbacks
        until :meth:`wait_for_result` is called for it."""
        arn = self.invoke(function, input, name=name)
        self._awaiting.add(arn)
        return arn

    def wait_for_callback(self, execution_arn: str, name: str | None = None, timeout: float = 60) -> str:
        """Wait (wall seconds) for a pending callback of the execution; its callback id.

        ``name`` is the name given to ``create_callback`` or ``wait_for_callback``; without it,
        the first pending callback. Raises :class:`TimeoutError`, or :class:`RuntimeError` if
        the execution ends first.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self._pending_callback(execution_arn, name)
            if found is not None:
                return found
            record = self.service.record(execution_arn)
            if record.status != RUNNING:
                raise RuntimeError(
                    f"execution {execution_arn} ended {record.status} before a callback"
                    f"{f' named {name!r}' if name else ''} was pending (error: {record.error})"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"no callback{f' named {name!r}' if name else ''} pending after {timeout} s")
            time.sleep(POLL_S)

    def send_callback_success(self, callback_id: str, result: bytes | str | None = None) -> None:
        """Answer the callback: ``result`` is the payload as sent (JSON for the default serdes: ``'"ok"'``)."""
        payload = result.decode("utf-8") if isinstance(result, bytes) else result
        self.callbacks.succeed(callback_id, payload)

    def send_callback_failure(self, callback_id: str, error: BaseException | WireDict | str | None = None) -> None:
        """Fail the callback: an exception, an ``ErrorObject`` mapping or a message."""
        self.callbacks.fail(callback_id, None if error is None else error_object(error))

    def send_callback_heartbeat(self, callback_id: str) -> None:
        self.callbacks.heartbeat(callback_id)

    def wait_for_result(self, execution_arn: str, timeout: float = 60) -> ExecutionResult:
        """Wait for the execution's end; skipped time resumes for it (unanswered callbacks time out)."""
        self._awaiting.discard(execution_arn)
        if isinstance(self.clock, HoldingClock):
            self.clock.wake()
        return self.wait(execution_arn, timeout)

    def release_callbacks(self) -> None:
        """Let time skip past every pending callback again (the fixture calls it after each test:
        a callback its test left unanswered must not hold the clock for the next tests)."""
        self._awaiting.clear()
        if isinstance(self.clock, HoldingClock):
            self.clock.wake()

    def _pending_callback(self, arn: str, name: str | None) -> str | None:
        return pending_callback(self.store.operations(arn), name)

    def _callback_pending(self) -> bool:
        """Whether an execution the test still has to answer is running or waits on a callback (no skipping).

        Skipping resumes while such an execution only waits on timers (a wait, a retry delay).
        """
        for arn in list(self._awaiting):
            record = self.store.get(arn)
            if record is None or record.status != RUNNING:
                self._awaiting.discard(arn)
                continue
            if record.invocation_id is not None or record.invoke_at_ms is not None:
                return True  # queued or running: it may be about to create a callback (never skip past that)
            if any(
                op["Type"] == OperationType.CALLBACK and op["Status"] == OperationStatus.STARTED
                for op in self.store.operations(arn)
            ):
                return True
        return False

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
