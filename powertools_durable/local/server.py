"""The emulator's HTTP server: Lambda's routes and wire shapes, so boto3, the AWS CLI and SAM CLI work unchanged.

Paths, methods, headers and query members are botocore's ``lambda`` service model's
(``operation_model(name).http`` and each member's ``location``/``locationName``). Any SigV4
signature and any region are accepted. Errors use AWS's shape: an ``x-amzn-ErrorType``
header and a JSON body with ``Type`` and ``message``, so boto3 raises the same
``ClientError`` codes as on AWS.

Why Starlette and uvicorn: both are small, typed, widely used and actively maintained ASGI
projects; routes are declared as a table, and being asynchronous a ``RequestResponse``
invoke that waits minutes for its execution awaits an asyncio future instead of holding a
thread. CheckpointDurableExecution, the hot path, runs on the event loop (well under a
millisecond: in-memory state, one SQLite transaction without fsync; a thread hop cost more than
the call); the other service calls, whose reads may be long, run in Starlette's thread pool.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from powertools_durable.local import arns
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
from powertools_durable.local.store import ExecutionRecord
from powertools_durable.service.wire import WireDict

logger = logging.getLogger(__name__)

INVOKE_PAYLOAD_LIMIT = 6 * 1024 * 1024  # Lambda's synchronous request limit
BODY_LIMIT = 16 * 1024 * 1024  # checkpoint bodies may carry a 6 MB result, JSON-escaped
SYNC_INVOKE_LIMIT_SECONDS = 15 * 60
LOCAL_PREFIX = "/-/local"  # the emulator's own routes (not AWS operations)

Handler = Callable[[Request], Awaitable[Response]]


def _error_response(exc: ServiceError) -> Response:
    return JSONResponse(
        {"Type": exc.kind, "message": exc.message}, status_code=exc.status, headers={"x-amzn-ErrorType": exc.code}
    )


async def _body(request: Request, limit: int = BODY_LIMIT) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"Request must be smaller than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLargeError(f"Request must be smaller than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json(request: Request, *, empty: Any = None) -> Any:
    body = await _body(request)
    if not body.strip():
        return empty
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequestContentError(f"Could not parse request body into json: {exc}") from exc


def _bool(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise InvalidParameterValueError(f"{name} must be true or false, got {value!r}")
    return value.lower() == "true"


def _int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidParameterValueError(f"{name} must be an integer, got {value!r}") from None


def _timestamp_ms(request: Request, name: str) -> int | None:
    """A timestamp query member (botocore sends ISO 8601; epoch seconds accepted too), in epoch ms."""
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return int(float(value) * 1000)
    except ValueError:
        pass
    try:
        return int(datetime.fromisoformat(value).timestamp() * 1000)
    except ValueError:
        raise InvalidParameterValueError(f"{name} must be an ISO 8601 timestamp, got {value!r}") from None


class Api:
    """The route handlers, over one :class:`ExecutionService` and its scheduler's invoker."""

    def __init__(self, service: ExecutionService, run_plain: Callable[[Any, str], WireDict] | None = None) -> None:
        self.service = service
        self.callbacks = CallbackService(service)
        self.run_plain = run_plain

    async def invoke(self, request: Request) -> Response:
        function = request.path_params["function"]
        qualifier = request.query_params.get("Qualifier")
        identifier = f"{function}:{qualifier}" if qualifier and ":" not in function else function
        invocation_type = request.headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            raise InvalidParameterValueError(f"X-Amz-Invocation-Type {invocation_type!r} is not valid")
        body = await _body(request, INVOKE_PAYLOAD_LIMIT)
        payload = body.decode("utf-8", errors="replace") if body.strip() else "{}"
        try:
            json.loads(payload)
        except json.JSONDecodeError as exc:
            raise InvalidRequestContentError(f"Could not parse request body into json: {exc}") from exc
        spec, _ = self.service.function(identifier)
        if invocation_type == "DryRun":
            return Response(status_code=204)
        if spec.durable is None:
            return await self._invoke_plain(spec, payload, invocation_type)
        name = request.headers.get("x-amz-durable-execution-name")
        record, _ = await run_in_threadpool(self.service.start, identifier, payload, name=name)
        headers = {"X-Amz-Durable-Execution-Arn": record.arn, "X-Amz-Executed-Version": record.qualifier}
        if invocation_type == "Event":
            return Response(status_code=202, headers=headers)
        limit = min(SYNC_INVOKE_LIMIT_SECONDS, record.execution_timeout + 5)
        final = await self._wait(record.arn, self.service.clock.wall_seconds(limit))
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

    async def _invoke_plain(self, spec: Any, payload: str, invocation_type: str) -> Response:
        if self.run_plain is None:
            raise InvalidParameterValueError(f"function {spec.function_name} is not durable")
        if invocation_type == "Event":
            asyncio.get_running_loop().run_in_executor(None, self.run_plain, spec, payload)
            return Response(status_code=202)
        outcome = await run_in_threadpool(self.run_plain, spec, payload)
        if outcome.get("error"):
            error = outcome["error"]
            body = {"errorType": error.get("ErrorType"), "errorMessage": error.get("ErrorMessage")}
            return JSONResponse(body, headers={"X-Amz-Function-Error": "Unhandled"})
        return Response(json.dumps(outcome.get("output")), media_type="application/json")

    async def checkpoint(self, request: Request) -> Response:
        body = await _json(request, empty={})
        response = self.service.checkpoint(request.path_params["arn"], body)
        return JSONResponse(response)

    async def get_state(self, request: Request) -> Response:
        token = request.query_params.get("CheckpointToken")
        if not token:
            raise InvalidParameterValueError("CheckpointToken is required")
        arn, marker, max_items = (
            request.path_params["arn"],
            request.query_params.get("Marker"),
            _int(request, "MaxItems"),
        )
        return JSONResponse(await run_in_threadpool(self.service.state, arn, token, marker, max_items))

    async def get_execution(self, request: Request) -> Response:
        include = _bool(request, "IncludeExecutionData", True)
        arn = request.path_params["arn"]
        return JSONResponse(await run_in_threadpool(lambda: self.service.describe(arn, include_data=include)))

    async def get_history(self, request: Request) -> Response:
        arn = request.path_params["arn"]
        include = _bool(request, "IncludeExecutionData", True)
        reverse = _bool(request, "ReverseOrder", False)
        marker, max_items = request.query_params.get("Marker"), _int(request, "MaxItems")
        response = await run_in_threadpool(
            lambda: self.service.history(arn, include_data=include, marker=marker, max_items=max_items, reverse=reverse)
        )
        return JSONResponse(response)

    async def list_executions(self, request: Request) -> Response:
        function = request.path_params["function"]
        statuses = request.query_params.getlist("Statuses") or None
        name = request.query_params.get("DurableExecutionName")
        marker, max_items = request.query_params.get("Marker"), _int(request, "MaxItems")
        reverse = _bool(request, "ReverseOrder", False)
        after, before = _timestamp_ms(request, "StartedAfter"), _timestamp_ms(request, "StartedBefore")
        response = await run_in_threadpool(
            lambda: self.service.list_executions(
                function,
                name=name,
                statuses=statuses,
                marker=marker,
                max_items=max_items,
                reverse=reverse,
                started_after_ms=after,
                started_before_ms=before,
                qualifier=request.query_params.get("Qualifier"),
            )
        )
        return JSONResponse(response)

    async def stop(self, request: Request) -> Response:
        error = await _json(request, empty=None)
        if error is not None and not isinstance(error, dict):
            raise InvalidParameterValueError("the request body must be an Error object")
        arn = request.path_params["arn"]
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

    async def get_function_configuration(self, request: Request) -> Response:
        spec, qualifier = self.service.function(request.path_params["function"])
        return JSONResponse(self._configuration(spec, request.query_params.get("Qualifier") or qualifier))

    async def list_functions(self, request: Request) -> Response:
        return JSONResponse({"Functions": [self._configuration(spec) for spec in self.service.functions.values()]})

    async def invocation_logs(self, request: Request) -> Response:
        """Not an AWS operation: each invocation's captured output, for ``local history --logs``."""
        logs = await run_in_threadpool(self.service.logs, request.path_params["arn"])
        return JSONResponse({"Invocations": [{"RequestId": rid, "Logs": text} for rid, text in logs]})

    async def clock(self, request: Request) -> Response:
        """Not an AWS operation: modelled and wall time now, so CLI listings can show wall-clock times."""
        clock = self.service.clock
        now = {"ModelledNowMs": clock.now_ms(), "WallNowMs": int(time.time() * 1000)}
        return JSONResponse({**now, "TimeScale": 1 / clock.wall_seconds(1)})

    async def callback_succeed(self, request: Request) -> Response:
        body = await _body(request)  # the raw result, any bytes (SAM sends none when there is no result)
        result = body.decode("utf-8", errors="replace") if body else None
        callback = request.path_params["callback_id"]
        return JSONResponse(await run_in_threadpool(self.callbacks.succeed, callback, result))

    async def callback_fail(self, request: Request) -> Response:
        error = await _json(request, empty={})
        callback = request.path_params["callback_id"]
        return JSONResponse(await run_in_threadpool(self.callbacks.fail, callback, error))

    async def callback_heartbeat(self, request: Request) -> Response:
        await _body(request)
        callback = request.path_params["callback_id"]
        return JSONResponse(await run_in_threadpool(self.callbacks.heartbeat, callback))

    async def get_function_url_config(self, request: Request) -> Response:
        spec, _ = self.service.function(request.path_params["function"])
        raise ResourceNotFoundError(f"The resource you requested does not exist: no URL for {spec.function_name}")


def _guarded(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ServiceError as exc:
            return _error_response(exc)
        except Exception as exc:
            logger.exception("%s %s failed", request.method, request.url.path)
            return _error_response(ServiceError(f"internal error: {exc}"))

    return endpoint


async def _unknown(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    error = UnknownOperationError(f"{request.method} {request.url.path} is not an operation of this emulator")
    error.status = status
    return _error_response(error)


def create_app(service: ExecutionService, run_plain: Callable[[Any, str], WireDict] | None = None) -> Starlette:
    """The ASGI application: one row per AWS operation."""
    api = Api(service, run_plain)
    table: list[tuple[str, str, Handler]] = [
        ("POST", "/2015-03-31/functions/{function}/invocations", api.invoke),
        ("GET", "/2015-03-31/functions", api.list_functions),
        ("GET", "/2015-03-31/functions/", api.list_functions),
        ("GET", "/2015-03-31/functions/{function}/configuration", api.get_function_configuration),
        ("GET", "/2021-10-31/functions/{function}/url", api.get_function_url_config),
        ("GET", "/2025-12-01/functions/{function}/durable-executions", api.list_executions),
        ("POST", "/2025-12-01/durable-executions/{arn:path}/checkpoint", api.checkpoint),
        ("GET", "/2025-12-01/durable-executions/{arn:path}/state", api.get_state),
        ("GET", "/2025-12-01/durable-executions/{arn:path}/history", api.get_history),
        ("POST", "/2025-12-01/durable-executions/{arn:path}/stop", api.stop),
        ("GET", "/2025-12-01/durable-executions/{arn:path}", api.get_execution),
        ("POST", "/2025-12-01/durable-execution-callbacks/{callback_id}/succeed", api.callback_succeed),
        ("POST", "/2025-12-01/durable-execution-callbacks/{callback_id}/fail", api.callback_fail),
        ("POST", "/2025-12-01/durable-execution-callbacks/{callback_id}/heartbeat", api.callback_heartbeat),
        ("GET", f"{LOCAL_PREFIX}/durable-executions/{{arn:path}}/logs", api.invocation_logs),
        ("GET", f"{LOCAL_PREFIX}/clock", api.clock),
    ]
    routes = [Route(path, _guarded(handler), methods=[method]) for method, path, handler in table]
    return Starlette(routes=routes, exception_handlers={404: _unknown, 405: _unknown})
