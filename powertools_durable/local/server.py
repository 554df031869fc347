"""The emulator's HTTP server: Lambda's routes and wire shapes, so boto3, the AWS CLI and SAM CLI work unchanged.

Paths, methods, headers and query members are botocore's ``lambda`` service model's
(``operation_model(name).http`` and each member's ``location``/``locationName``), and every
request is read and checked against its operation's input shape by
:mod:`~powertools_durable.local.validation` before a route sees it (bodies as bounded JSON,
:mod:`~powertools_durable.local.body`). Any SigV4 signature and any region are accepted. Errors
use AWS's shape: an ``x-amzn-ErrorType`` header and a JSON body with ``Type`` and ``message``,
so boto3 raises the same ``ClientError`` codes as on AWS. Client input never reaches the 500
path: that is the server's own fault, logged with its traceback and answered with a request id.

Why Starlette and uvicorn: both are small, typed, widely used and actively maintained ASGI
projects; routes are declared as a table, and being asynchronous a ``RequestResponse``
invoke that waits minutes for its execution awaits an asyncio future instead of holding a
thread. CheckpointDurableExecution, the hot path, runs on the event loop (well under a
millisecond: in-memory state, one SQLite transaction without fsync; a thread hop cost more than
the call); the other service calls, whose reads may be long, run in Starlette's thread pool.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from powertools_durable.local import arns, console, validation
from powertools_durable.local.body import PAYLOAD_MAX_DEPTH, BodyError, parse_json
from powertools_durable.local.callbacks import CallbackService
from powertools_durable.local.errors import (
    InvalidParameterValueError,
    InvalidRequestContentError,
    RequestTooLargeError,
    ResourceNotFoundError,
    ServiceError,
    UnknownOperationError,
)
from powertools_durable.local.executions import ExecutionService
from powertools_durable.local.origin import SameOriginGuard
from powertools_durable.local.store import ExecutionRecord
from powertools_durable.local.store_schema import StoreError
from powertools_durable.local.validation import Operation
from powertools_durable.service.wire import WireDict

logger = logging.getLogger(__name__)

INVOKE_PAYLOAD_LIMIT = 6 * 1024 * 1024  # Lambda's synchronous request limit
BODY_LIMIT = 16 * 1024 * 1024  # checkpoint bodies may carry a 6 MB result, JSON-escaped
SYNC_INVOKE_LIMIT_SECONDS = 15 * 60
LOCAL_PREFIX = "/-/local"  # the emulator's own routes (not AWS operations)

Params = dict[str, Any]
Handler = Callable[[Request, Params], Awaitable[Response]]


def _error_response(exc: ServiceError, request_id: str | None = None) -> Response:
    return JSONResponse(
        {"Type": exc.kind, "message": exc.message},
        status_code=exc.status,
        headers={"x-amzn-ErrorType": exc.code, "x-amzn-RequestId": request_id or str(uuid.uuid4())},
    )


LOG_TAIL_BYTES = 4096  # what Lambda returns with LogType=Tail


def _log_tail(logs: str) -> str:
    """The last 4 KB of ``logs``, base64-encoded, as Lambda's ``X-Amz-Log-Result`` header carries them."""
    return base64.b64encode(logs.encode(errors="replace")[-LOG_TAIL_BYTES:]).decode()


def _internal_error(request: Request) -> Response:
    """The server's own fault: logged with its traceback, answered without it (a generic message)."""
    request_id = str(uuid.uuid4())
    logger.exception("%s %s failed (request id %s)", request.method, request.url.path, request_id)
    message = f"An internal error occurred in the emulator (request id {request_id}); see its log"
    return _error_response(ServiceError(message), request_id)


async def _body(request: Request, limit: int = BODY_LIMIT) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"Request must be smaller than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLargeError(f"Request must be smaller than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _read(operation: Operation, request: Request) -> Params:
    """The operation's input members from the request's path, query string, headers and body, checked."""
    body = b""
    if operation.body is not None:
        body = await _body(request, INVOKE_PAYLOAD_LIMIT if operation.name == "Invoke" else BODY_LIMIT)
    return operation.read(request.path_params, request.query_params.getlist, request.headers, body)


def _function(params: Params) -> str:
    """``FunctionName`` with the ``Qualifier`` member folded in (they must agree when both qualify)."""
    name, qualifier = params["FunctionName"], params.get("Qualifier")
    ref = arns.parse_function(name)
    if qualifier is None or ref is None:
        return str(name)
    if ref.qualifier is not None and ref.qualifier != qualifier:
        raise InvalidParameterValueError(
            f"The derived qualifier from the function name ({ref.qualifier}) does not match Qualifier ({qualifier})"
        )
    return f"{name}:{qualifier}" if ref.qualifier is None else str(name)


class Api:
    """The route handlers, over one :class:`ExecutionService` and its scheduler's invoker.

    Each receives the request and its operation's input members, already read and checked.
    """

    def __init__(self, service: ExecutionService, run_plain: Callable[[Any, str], WireDict] | None = None) -> None:
        self.service = service
        self.callbacks = CallbackService(service)
        self.run_plain = run_plain

    async def invoke(self, request: Request, params: Params) -> Response:
        identifier = _function(params)
        invocation_type = params.get("InvocationType", "RequestResponse")
        body: bytes = params.get("Payload") or b""
        body = body if body.strip() else b"{}"
        try:
            parse_json(body, max_depth=PAYLOAD_MAX_DEPTH)
        except BodyError as exc:
            raise InvalidRequestContentError(f"Could not parse request body into json: {exc}") from None
        payload = body.decode("utf-8")
        spec, _ = self.service.function(identifier)
        if invocation_type == "DryRun":
            return Response(status_code=204)
        tail = params.get("LogType") == "Tail"
        if spec.durable is None:
            return await self._invoke_plain(spec, payload, invocation_type, tail)
        name = params.get("DurableExecutionName")
        record, _ = await run_in_threadpool(self.service.start, identifier, payload, name=name)
        headers = {"X-Amz-Durable-Execution-Arn": record.arn, "X-Amz-Executed-Version": record.qualifier}
        if invocation_type == "Event":
            return Response(status_code=202, headers=headers)
        limit = min(SYNC_INVOKE_LIMIT_SECONDS, record.execution_timeout + 5)
        final = await self._wait(record.arn, self.service.clock.wall_seconds(limit))
        if tail:  # as Lambda: the last 4 KB of the logs, base64 (here: of every invocation of the execution)
            logs = await run_in_threadpool(self.service.logs, record.arn)
            headers["X-Amz-Log-Result"] = _log_tail("".join(text for _, text in logs))
        if final is None:
            headers["X-Amz-Function-Error"] = "Unhandled"
            timeout = {"errorType": "Sandbox.Timedout", "errorMessage": "the durable execution is still running"}
            return JSONResponse(timeout, headers=headers)
        if final.status == "SUCCEEDED":
            return Response(
                final.result if final.result is not None else "null", headers=headers, media_type="application/json"
            )
        headers["X-Amz-Function-Error"] = "Unhandled"
        error = final.error or {}
        body_error = {
            "errorType": error.get("ErrorType", final.status),
            "errorMessage": error.get("ErrorMessage", f"the durable execution ended {final.status}"),
        }
        return JSONResponse(body_error, headers=headers)

    async def _wait(self, arn: str, timeout: float) -> ExecutionRecord | None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[ExecutionRecord] = loop.create_future()

        def resolve(record: ExecutionRecord) -> None:
            if not done.done():
                done.set_result(record)

        def listener(record: ExecutionRecord) -> None:
            loop.call_soon_threadsafe(resolve, record)

        await run_in_threadpool(self.service.add_listener, arn, listener)
        try:
            return await asyncio.wait_for(done, timeout)
        except TimeoutError:
            await run_in_threadpool(self.service.remove_listener, arn, listener)
            return None

    async def _invoke_plain(self, spec: Any, payload: str, invocation_type: str, tail: bool) -> Response:
        if self.run_plain is None:
            raise InvalidParameterValueError(f"function {spec.function_name} is not durable")
        if invocation_type == "Event":
            asyncio.get_running_loop().run_in_executor(None, self.run_plain, spec, payload)
            return Response(status_code=202)
        outcome = await run_in_threadpool(self.run_plain, spec, payload)
        headers = {"X-Amz-Log-Result": _log_tail(outcome.get("logs") or "")} if tail else {}
        if outcome.get("error"):
            error = outcome["error"]
            body = {"errorType": error.get("ErrorType"), "errorMessage": error.get("ErrorMessage")}
            return JSONResponse(body, headers={"X-Amz-Function-Error": "Unhandled", **headers})
        return Response(json.dumps(outcome.get("output")), media_type="application/json", headers=headers)

    async def checkpoint(self, request: Request, params: Params) -> Response:
        arn = params.pop("DurableExecutionArn")
        return JSONResponse(self.service.checkpoint(arn, params))

    async def get_state(self, request: Request, params: Params) -> Response:
        arn, token = params["DurableExecutionArn"], params["CheckpointToken"]
        marker, max_items = params.get("Marker"), params.get("MaxItems")
        return JSONResponse(await run_in_threadpool(self.service.state, arn, token, marker, max_items))

    async def get_execution(self, request: Request, params: Params) -> Response:
        include = params.get("IncludeExecutionData", True)
        arn = params["DurableExecutionArn"]
        return JSONResponse(await run_in_threadpool(lambda: self.service.describe(arn, include_data=include)))

    async def get_history(self, request: Request, params: Params) -> Response:
        response = await run_in_threadpool(
            lambda: self.service.history(
                params["DurableExecutionArn"],
                include_data=params.get("IncludeExecutionData", True),
                marker=params.get("Marker"),
                max_items=params.get("MaxItems"),
                reverse=params.get("ReverseOrder", False),
            )
        )
        return JSONResponse(response)

    async def list_executions(self, request: Request, params: Params) -> Response:
        function = _function(params)
        response = await run_in_threadpool(
            lambda: self.service.list_executions(
                function,
                name=params.get("DurableExecutionName"),
                statuses=params.get("Statuses"),
                marker=params.get("Marker"),
                max_items=params.get("MaxItems"),
                reverse=params.get("ReverseOrder", False),
                started_after_ms=params.get("StartedAfter"),
                started_before_ms=params.get("StartedBefore"),
            )
        )
        return JSONResponse(response)

    async def stop(self, request: Request, params: Params) -> Response:
        arn, error = params["DurableExecutionArn"], params.get("Error")
        return JSONResponse(await run_in_threadpool(self.service.stop, arn, error or None))

    def _configuration(self, spec: Any, qualifier: str | None = None) -> WireDict:
        config: WireDict = {
            "FunctionName": spec.function_name,
            "FunctionArn": arns.function_arn(spec.function_name, qualifier, region=self.service.region),
            "Runtime": spec.runtime,
            "Handler": spec.handler,
            "Timeout": spec.timeout,
            "MemorySize": spec.memory_size,
            "Version": qualifier or arns.LATEST,
            "Environment": {"Variables": dict(spec.environment)},
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": ["x86_64"],
            "Role": f"arn:aws:iam::{arns.DEFAULT_ACCOUNT}:role/{spec.function_name}-role",
        }
        if spec.durable is not None:
            config["DurableConfig"] = {
                "ExecutionTimeout": spec.durable.execution_timeout,
                "RetentionPeriodInDays": spec.durable.retention_period_in_days,
            }
        return config

    async def get_function_configuration(self, request: Request, params: Params) -> Response:
        spec, qualifier = self.service.function(_function(params))
        return JSONResponse(self._configuration(spec, qualifier))

    async def list_functions(self, request: Request, params: Params) -> Response:
        return JSONResponse({"Functions": [self._configuration(spec) for spec in self.service.functions.values()]})

    async def invocation_logs(self, request: Request, params: Params) -> Response:
        """Not an AWS operation: each invocation's captured output, for ``local history --logs``."""
        logs = await run_in_threadpool(self.service.logs, request.path_params["DurableExecutionArn"])
        return JSONResponse({"Invocations": [{"RequestId": rid, "Logs": text} for rid, text in logs]})

    async def clock(self, request: Request, params: Params) -> Response:
        """Not an AWS operation: modelled and wall time now, so CLI listings can show wall-clock times."""
        clock = self.service.clock
        now = {"ModelledNowMs": clock.now_ms(), "WallNowMs": int(time.time() * 1000)}
        return JSONResponse({**now, "TimeScale": 1 / clock.wall_seconds(1)})

    async def callback_succeed(self, request: Request, params: Params) -> Response:
        raw: bytes = params.get("Result") or b""  # any JSON-free text; SAM sends none when there is no result
        try:
            result = raw.decode("utf-8") if raw else None
        except UnicodeDecodeError:
            raise InvalidParameterValueError("Result must be UTF-8 text: the SDK reads it as a string") from None
        callback = params["CallbackId"]
        return JSONResponse(await run_in_threadpool(self.callbacks.succeed, callback, result))

    async def callback_fail(self, request: Request, params: Params) -> Response:
        callback, error = params["CallbackId"], params.get("Error") or {}
        return JSONResponse(await run_in_threadpool(self.callbacks.fail, callback, error))

    async def callback_heartbeat(self, request: Request, params: Params) -> Response:
        return JSONResponse(await run_in_threadpool(self.callbacks.heartbeat, params["CallbackId"]))

    async def get_function_url_config(self, request: Request, params: Params) -> Response:
        spec, _ = self.service.function(params["FunctionName"])
        raise ResourceNotFoundError(f"The resource you requested does not exist: no URL for {spec.function_name}")


def _endpoint(operation: str | None, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A route: read and check the operation's input, run ``handler``; every failure in AWS's error shape."""
    compiled = validation.operation(operation) if operation else None

    async def endpoint(request: Request) -> Response:
        try:
            params = await _read(compiled, request) if compiled else {}
            return await handler(request, params)
        except ServiceError as exc:
            return _error_response(exc)
        except StoreError as exc:  # a damaged store: the server's fault, but the message says what to do
            logger.error("%s %s: %s", request.method, request.url.path, exc)
            return _error_response(ServiceError(str(exc)))
        except Exception:
            return _internal_error(request)

    return endpoint


async def _unknown(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    error = UnknownOperationError(f"{request.method} {request.url.path} is not an operation of this emulator")
    error.status = status
    return _error_response(error)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """Behind the routes' own guard: whatever escapes the routing itself."""
    return _internal_error(request)


_FUNCTIONS = "/2015-03-31/functions"
_EXECUTION = "/2025-12-01/durable-executions/{DurableExecutionArn:path}"
_CALLBACK = "/2025-12-01/durable-execution-callbacks/{CallbackId}"

ROUTES: list[tuple[str, str, str | None, str]] = [
    ("POST", f"{_FUNCTIONS}/{{FunctionName}}/invocations", "Invoke", "invoke"),
    ("GET", _FUNCTIONS, "ListFunctions", "list_functions"),
    ("GET", f"{_FUNCTIONS}/", "ListFunctions", "list_functions"),
    ("GET", f"{_FUNCTIONS}/{{FunctionName}}/configuration", "GetFunctionConfiguration", "get_function_configuration"),
    ("GET", "/2021-10-31/functions/{FunctionName}/url", "GetFunctionUrlConfig", "get_function_url_config"),
    (
        "GET",
        "/2025-12-01/functions/{FunctionName}/durable-executions",
        "ListDurableExecutionsByFunction",
        "list_executions",
    ),
    ("POST", f"{_EXECUTION}/checkpoint", "CheckpointDurableExecution", "checkpoint"),
    ("GET", f"{_EXECUTION}/state", "GetDurableExecutionState", "get_state"),
    ("GET", f"{_EXECUTION}/history", "GetDurableExecutionHistory", "get_history"),
    ("POST", f"{_EXECUTION}/stop", "StopDurableExecution", "stop"),
    ("GET", _EXECUTION, "GetDurableExecution", "get_execution"),
    ("POST", f"{_CALLBACK}/succeed", "SendDurableExecutionCallbackSuccess", "callback_succeed"),
    ("POST", f"{_CALLBACK}/fail", "SendDurableExecutionCallbackFailure", "callback_fail"),
    ("POST", f"{_CALLBACK}/heartbeat", "SendDurableExecutionCallbackHeartbeat", "callback_heartbeat"),
    ("GET", f"{LOCAL_PREFIX}/durable-executions/{{DurableExecutionArn:path}}/logs", None, "invocation_logs"),
    ("GET", f"{LOCAL_PREFIX}/clock", None, "clock"),
]
"""The route table: method, path, the ``lambda`` operation whose input shape checks the request, and the
:class:`Api` method that serves it. Paths are the operations' ``requestUri`` (an ARN spans path segments,
hence ``:path``); ``None``: the emulator's own routes, under :data:`LOCAL_PREFIX`."""


def create_app(service: ExecutionService, run_plain: Callable[[Any, str], WireDict] | None = None) -> Starlette:
    """The ASGI application: one row per AWS operation."""
    api = Api(service, run_plain)
    routes = [
        Route(path, _endpoint(operation, getattr(api, handler)), methods=[method])
        for method, path, operation, handler in ROUTES
    ]
    # The web console (local/console/): its page at "/", its JSON under LOCAL_PREFIX; SameOriginGuard
    # refuses cross-origin browser requests to every route, AWS's and the console's (local/origin.py).
    everything = [*routes, *console.routes(service, LOCAL_PREFIX)]
    handlers = {404: _unknown, 405: _unknown, Exception: _unexpected}
    middleware = [Middleware(SameOriginGuard)]
    return Starlette(routes=everything, exception_handlers=handlers, middleware=middleware)
