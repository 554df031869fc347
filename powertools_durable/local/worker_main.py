"""The process of one emulated Lambda execution environment (started by :mod:`.workers`).

``python -m powertools_durable.local.worker_main RESPONSE_FD``: imports the function's handler
once (the cold start), then serves invocations until its stdin closes (then it ends at once, with
whatever the function started: the emulator exited, even by ``kill -9``, and nobody is left to
answer). Requests arrive on stdin
and responses leave on ``RESPONSE_FD``, both as frames (4-byte big-endian length + JSON); stdin
is then pointed at /dev/null so user code cannot read the channel. The function's stdout and
stderr (fds 1 and 2) are whatever the parent gave; it attributes their bytes to invocations.

Standard library only, and nothing of the emulator's server: a cold start pays for the
function's own imports and no more. A handler that cannot be loaded is reported once, with Lambda's
error type (``Runtime.ImportModuleError``, ``Runtime.UserCodeSyntaxError``, ``Runtime.HandlerNotFound``)
and the user's frames only; ``os._exit`` or a signal ends the process, which the parent reports as
``Runtime.ExitError``.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import queue
import signal
import struct
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")


def read_frame(stream: BinaryIO) -> Any | None:
    """The next JSON frame from ``stream``; None when it is closed."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return json.loads(body)


def write_frame(fd: int, payload: bytes) -> None:
    data = HEADER.pack(len(payload)) + payload
    while data:
        written = os.write(fd, data)
        data = data[written:]


class LambdaContext:
    """The ``context`` argument Lambda's Python runtime passes to a handler."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["request_id"]
        self.invoked_function_arn: str = request["invoked_function_arn"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]  # a str, as in Lambda's runtime
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity: Any = None
        self.client_context: Any = None
        self.tenant_id: str | None = None
        self._deadline_ms: int = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _json_default(value: Any) -> Any:
    """Lambda's runtime marshals ``Decimal`` as a number; anything else unknown is an error."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def invoke(handler: Any, request: dict[str, Any]) -> bytes:
    """Run one invocation; the response frame's bytes (the output, or the error Lambda would report)."""
    os.environ["_X_AMZN_TRACE_ID"] = request["trace_id"]
    try:
        output = handler(json.loads(request["event"]), LambdaContext(request))
    except Exception as exc:
        frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop this function's own frame
        stack = traceback.format_list(frames)
        print(f"[ERROR] {type(exc).__name__}: {exc}\nTraceback (most recent call last):\n{''.join(stack)}", end="")
        error = {"ErrorType": type(exc).__name__, "ErrorMessage": str(exc), "StackTrace": stack}
        return json.dumps({"error": error}).encode()
    try:
        return json.dumps({"output": output}, default=_json_default).encode()
    except (TypeError, ValueError) as exc:
        error = {"ErrorType": "Runtime.MarshalError", "ErrorMessage": f"Unable to marshal response: {exc}"}
        return json.dumps({"error": error}).encode()


class InitError(Exception):
    """The function could not be initialised: the error Lambda's Python runtime reports for it."""

    def __init__(self, error_type: str, message: str, stack: list[str]) -> None:
        super().__init__(message)
        self.error = {"ErrorType": error_type, "ErrorMessage": message, "StackTrace": stack}


def _user_frames(exc: BaseException) -> list[str]:
    """The traceback's frames in the function's own code (the task root), without the import machinery."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if task_root and f.filename.startswith(task_root)]
    if isinstance(exc, SyntaxError) and exc.filename:  # where the parser stopped: the only frame that matters
        line = (exc.text or "").rstrip("\n")
        return [f'  File "{exc.filename}", line {exc.lineno}\n    {line.strip()}\n']
    return traceback.format_list(frames)


def load_handler(name: str) -> Any:
    """Import ``module.function`` (the module may be dotted) from the task root, as Lambda does.

    Raises
    ------
    InitError
        ``Runtime.ImportModuleError`` / ``Runtime.UserCodeSyntaxError`` / ``Runtime.HandlerNotFound``
        with Lambda's messages, or the type of any other exception the module raised at import.
    """
    module_name, _, function_name = name.rpartition(".")
    if not module_name:
        raise InitError("Runtime.MalformedHandlerName", f"Bad handler '{name}': not enough values to unpack", [])
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        raise InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", _user_frames(exc)
        ) from exc
    except ImportError as exc:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}", _user_frames(exc)
        ) from exc
    except Exception as exc:
        raise InitError(type(exc).__name__, str(exc), _user_frames(exc)) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'", [])
    return handler


def end_environment() -> None:
    """The emulator is gone (or done with us): end this process and whatever the function started."""
    _flush_output()
    if os.getpgrp() == os.getpid():  # our own session (the emulator starts us so): Lambda ends the sandbox
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(0)


def _read_requests(requests: BinaryIO, inbox: queue.SimpleQueue[Any]) -> None:
    """Hand requests to the main thread; at end of input (the emulator exited, even by ``kill -9``) end at once,
    whether an invocation is running or not: nobody is left to answer."""
    while (request := read_frame(requests)) is not None:
        inbox.put(request)
    end_environment()


def main(argv: list[str]) -> int:
    response_fd = int(argv[1])
    requests = os.fdopen(os.dup(0), "rb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_read_requests, args=(requests, inbox), name="emulator-channel", daemon=True).start()
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    if sys.path[0] != task_root:  # ``-m`` already put the working directory (the task root) first
        sys.path.insert(0, task_root)
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except InitError as exc:  # one short report, then this environment is done (Lambda starts a new one)
        print(f"[ERROR] {exc.error['ErrorType']}: {exc}", end="\n" if not exc.error["StackTrace"] else "")
        if exc.error["StackTrace"]:
            print("\nTraceback (most recent call last):\n" + "".join(exc.error["StackTrace"]), end="")
        _flush_output()
        write_frame(response_fd, json.dumps({"init_error": exc.error}).encode())
        return 1
    _flush_output()
    write_frame(response_fd, b'{"ready": true}')
    while True:
        response = invoke(handler, inbox.get())
        _flush_output()
        write_frame(response_fd, response)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
