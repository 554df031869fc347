"""A tiny local HTTP stub of the two durable-execution calls, for the cold-invocation figure.

It speaks the real rest-json routes (``POST /2025-12-01/durable-executions/{arn}/checkpoint``,
``GET .../state``), applies updates with the same transition rules as the in-memory fake, and
answers timestamps in epoch seconds as the real service does, so botocore (the official SDK,
ours with ``POWERTOOLS_DURABLE_CLIENT=boto3``) and our stdlib client both parse it unchanged.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from powertools_durable.local.transitions import apply_update

_PREFIX = "/2025-12-01/durable-executions/"
_TIMESTAMPS = ("StartTimestamp", "EndTimestamp")
_DETAIL_TIMESTAMPS = (("StepDetails", "NextAttemptTimestamp"), ("WaitDetails", "ScheduledEndTimestamp"))


def to_wire(op: dict[str, Any]) -> dict[str, Any]:
    """An operation as the service answers it: timestamps in epoch seconds, not milliseconds."""
    out = dict(op)
    for key in _TIMESTAMPS:
        if key in out:
            out[key] = out[key] / 1000
    for details, key in _DETAIL_TIMESTAMPS:
        if key in (out.get(details) or {}):
            out[details] = dict(out[details], **{key: out[details][key] / 1000})
    return out


class StubService:
    """Executions by ARN, each a dict of operations; every checkpoint is accepted."""

    def __init__(self) -> None:
        self.executions: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests = 0
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()

    def register(self, arn: str, operations: list[dict[str, Any]]) -> None:
        with self._lock:
            self.executions[arn] = {op["Id"]: op for op in operations}

    def checkpoint(self, arn: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            ops = self.executions.setdefault(arn, {})
            changed: list[str] = []
            for update in body.get("Updates") or ():
                ops[update["Id"]] = apply_update(update, ops.get(update["Id"]), 1_700_000_000_000)
                changed.append(update["Id"])
            return {
                "CheckpointToken": f"stub-token-{next(self._tokens)}",
                "NewExecutionState": {"Operations": [to_wire(ops[i]) for i in dict.fromkeys(changed)]},
            }

    def state(self, arn: str) -> dict[str, Any]:
        with self._lock:
            return {"Operations": [to_wire(op) for op in self.executions.get(arn, {}).values()]}


def _handler_class(service: StubService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real endpoint

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _arn(self, suffix: str) -> str | None:
            path = self.path.split("?", 1)[0]
            if not (path.startswith(_PREFIX) and path.endswith(suffix)):
                return None
            return unquote(path[len(_PREFIX) : -len(suffix)])

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            service.requests += 1
            arn = self._arn("/checkpoint")
            if arn is None or "Authorization" not in self.headers:
                self._answer(404, {"__type": "ResourceNotFoundException", "message": self.path})
                return
            self._answer(200, service.checkpoint(arn, body))

        def do_GET(self) -> None:
            service.requests += 1
            arn = self._arn("/state")
            if arn is None:
                self._answer(404, {"__type": "ResourceNotFoundException", "message": self.path})
                return
            self._answer(200, service.state(arn))

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def start_stub() -> tuple[ThreadingHTTPServer, StubService, str]:
    """Serve the stub on 127.0.0.1 (an ephemeral port) in a daemon thread; return its URL."""
    service = StubService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(service))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="durable-stub", daemon=True).start()
    host, port = server.server_address[:2]
    return server, service, f"http://{host!s}:{port}"
