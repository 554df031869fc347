"""A stand-in for the Lambda side (template + workers): Python handlers run in-thread.

Used until (and beside) the real worker processes: the service side is exercised through
its real HTTP server, with the engine checkpointing through a real boto3 client.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from powertools_durable import DurableContext, durable_execution

UserHandler = Callable[[Any, DurableContext], Any]


class Crash(BaseException):
    """Raised by a handler to play a worker process that died (Runtime.ExitError)."""


@dataclass(frozen=True)
class Durable:
    execution_timeout: int = 86_400
    retention_period_in_days: int = 14


@dataclass(frozen=True)
class Spec:
    function_name: str
    handler: str = "app.handler"
    code_uri: Path = Path()
    runtime: str = "python3.13"
    timeout: int = 30
    memory_size: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    durable: Durable | None = field(default_factory=Durable)


@dataclass(frozen=True)
class Outcome:
    request_id: str
    output: Any | None
    error: dict[str, Any] | None
    logs: str
    start_ms: int
    end_ms: int


@dataclass
class FakeContext:
    aws_request_id: str
    function_name: str
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    memory_limit_in_mb: int = 128
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def client(endpoint_url: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "max_attempts": 2}, read_timeout=900),
    )


class InThreadInvoker:
    """Runs ``handlers[function_name]`` (user handlers, wrapped with ``durable_execution``) in the calling thread."""

    def __init__(self, endpoint_url: str, handlers: dict[str, UserHandler]) -> None:
        lambda_client = client(endpoint_url)
        self.handlers = {name: durable_execution(h, boto3_client=lambda_client) for name, h in handlers.items()}
        self.invocations: list[str] = []
        self.events: list[Any] = []

    def invoke(self, spec: Any, event: Any, *, request_id: str | None = None, timeout_scale: float = 1.0) -> Outcome:
        request_id = request_id or str(uuid.uuid4())
        self.invocations.append(spec.function_name)
        self.events.append(event)
        start = int(time.time() * 1000)
        output, error = None, None
        try:
            output = self.handlers[spec.function_name](event, FakeContext(request_id, spec.function_name))
        except Crash as exc:
            error = {"ErrorType": "Runtime.ExitError", "ErrorMessage": f"RequestId: {request_id} Error: {exc}"}
        except Exception as exc:
            error = {"ErrorType": type(exc).__name__, "ErrorMessage": str(exc)}
        return Outcome(request_id, output, error, f"invocation {request_id}\n", start, int(time.time() * 1000))

    def close(self) -> None:
        return None
