"""The client commands of ``powertools-durable local``: ``invoke``, ``executions``, ``history``, ``callback``.

They talk to a running emulator through boto3 (``--endpoint``), exactly as they would talk to AWS,
and say in one line what to do when something is wrong (:class:`CliError`). Listings show wall-clock
times (the emulator's ``/-/local/clock`` maps modelled time back to the wall); histories stay in
modelled time and say so.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any

DEFAULT_ENDPOINT = "http://127.0.0.1:5000"
ENV_ENDPOINT = "POWERTOOLS_DURABLE_ENDPOINT"
WAIT_POLL_S = 0.2


class CliError(Exception):
    """A mistake the user can fix: printed as one line, without a traceback."""


def _error_code(exc: Exception) -> str | None:
    error = (getattr(exc, "response", None) or {}).get("Error") or {}
    code: str | None = error.get("Code")
    return code


def _client(endpoint: str) -> Any:
    import boto3  # noqa: PLC0415 - only the client commands need it
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id="local",
        aws_secret_access_key="local",  # the emulator accepts any signature
        config=Config(retries={"mode": "standard", "max_attempts": 2}, read_timeout=900),
    )


def _events(client: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    marker = None
    while True:
        page = client.get_durable_execution_history(
            DurableExecutionArn=arn, IncludeExecutionData=True, MaxItems=1000, **({"Marker": marker} if marker else {})
        )
        events += page["Events"]
        marker = page.get("NextMarker")
        if not marker:
            return events


def _logs(endpoint: str, arn: str) -> list[tuple[str, str]]:
    from powertools_durable.local.server import LOCAL_PREFIX  # noqa: PLC0415

    url = f"{endpoint}{LOCAL_PREFIX}/durable-executions/{urllib.parse.quote(arn, safe='')}/logs"
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.loads(response.read())
    return [(item["RequestId"], item["Logs"]) for item in body["Invocations"]]


def _print_timeline(endpoint: str, arn: str, logs: bool) -> None:
    from powertools_durable.local.timeline import format_timeline  # noqa: PLC0415

    client = _client(endpoint)
    events = _events(client, arn)
    if events:
        wall, scale = _wall_clock(endpoint)
        started = events[0]["EventTimestamp"]
        print(f"started {_show_time(wall(started))}; offsets below are modelled seconds (time x{scale:g})")
    print(format_timeline(events, _logs(endpoint, arn) if logs else None))


def _wall_clock(endpoint: str) -> tuple[Callable[[datetime], datetime], float]:
    """Modelled instant -> the wall-clock instant it happened at (this emulator run's time scale), and the scale."""
    from powertools_durable.local.server import LOCAL_PREFIX  # noqa: PLC0415

    try:
        with urllib.request.urlopen(f"{endpoint}{LOCAL_PREFIX}/clock", timeout=30) as response:
            clock = json.loads(response.read())
    except (urllib.error.URLError, ValueError, KeyError):
        return (lambda modelled: modelled), 1.0  # an emulator without the route: show what it gave
    modelled_now, wall_now, scale = clock["ModelledNowMs"], clock["WallNowMs"], float(clock["TimeScale"])

    def wall(modelled: datetime) -> datetime:
        ms = wall_now + (modelled.timestamp() * 1000 - modelled_now) / scale
        return datetime.fromtimestamp(ms / 1000).astimezone()

    return wall, scale


def _show_time(moment: datetime) -> str:
    return moment.astimezone().isoformat(sep=" ", timespec="seconds")


def invoke(args: argparse.Namespace) -> int:
    payload = args.input if args.input is not None else "{}"
    try:
        json.loads(payload)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"--input is not JSON ({exc.msg} at character {exc.pos}): give JSON, e.g. --input '{{\"order\": 1}}'"
            f" or, for a string, --input '\"text\"'"
        ) from None
    client = _client(args.endpoint)
    _check_durable(client, args.function)
    options: dict[str, Any] = {"DurableExecutionName": args.name} if args.name else {}
    response = client.invoke(FunctionName=args.function, InvocationType="Event", Payload=payload, **options)
    arn = response.get("DurableExecutionArn")
    print(arn, flush=True)
    if not args.wait:
        return 0
    described = client.get_durable_execution(DurableExecutionArn=arn)
    while described["Status"] == "RUNNING":  # as long as it takes (Ctrl-C stops waiting, not the execution)
        time.sleep(WAIT_POLL_S)
        described = client.get_durable_execution(DurableExecutionArn=arn)
    print(f"status: {described['Status']}")
    if described["Status"] == "SUCCEEDED":
        print(f"result: {described.get('Result', 'null')}")
    else:
        print(f"error: {json.dumps(described.get('Error') or {})}")
    _print_timeline(args.endpoint, arn, logs=True)
    return 0 if described["Status"] == "SUCCEEDED" else 1


def _check_durable(client: Any, function: str) -> None:
    """The function exists and is durable, or a one-line error saying what to do."""
    try:
        configuration = client.get_function_configuration(FunctionName=function)
    except Exception as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        names = sorted(f["FunctionName"] for f in client.list_functions()["Functions"])
        close = difflib.get_close_matches(function, names, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise CliError(
            f"no function {function!r} in the emulator's template: {hint}its functions: {', '.join(names) or 'none'}"
        ) from None
    if not configuration.get("DurableConfig"):
        raise CliError(
            f"function {function} has no DurableConfig, so it is not a durable function: add DurableConfig"
            " (ExecutionTimeout) to it in the template, or invoke it as a plain function with"
            f" `aws lambda invoke --function-name {function} --endpoint-url {client.meta.endpoint_url} out.json`"
        )


def executions(args: argparse.Namespace) -> int:
    client = _client(args.endpoint)
    functions = [args.function] if args.function else [f["FunctionName"] for f in client.list_functions()["Functions"]]
    wall, _ = _wall_clock(args.endpoint)
    for function in functions:
        marker = None
        while True:
            page = client.list_durable_executions_by_function(
                FunctionName=function, **({"Marker": marker} if marker else {})
            )
            for execution in page.get("DurableExecutions", []):
                started = _show_time(wall(execution["StartTimestamp"]))
                print(f"{execution['Status']:<10} {started}  {execution['DurableExecutionArn']}")
            marker = page.get("NextMarker")
            if not marker:
                break
    return 0


def history(args: argparse.Namespace) -> int:
    if args.json:
        events = _events(_client(args.endpoint), args.arn)
        history = {"DurableExecutionArn": args.arn, "Events": events}  # the ARN: for `powertools-durable replay`
        print(json.dumps(history, indent=2, default=_json_default))
        _, scale = _wall_clock(args.endpoint)
        print(
            f"note: EventTimestamp values are modelled time (time x{scale:g}), as histories record it", file=sys.stderr
        )
        return 0
    _print_timeline(args.endpoint, args.arn, logs=args.logs)
    return 0


def callback(args: argparse.Namespace) -> int:
    client = _client(args.endpoint)
    if args.callback_command == "succeed":
        client.send_durable_execution_callback_success(CallbackId=args.callback_id, Result=args.payload.encode())
    elif args.callback_command == "fail":
        error = {"ErrorType": args.error_type, "ErrorMessage": args.error_message}
        client.send_durable_execution_callback_failure(
            CallbackId=args.callback_id, Error={k: v for k, v in error.items() if v is not None}
        )
    else:
        client.send_durable_execution_callback_heartbeat(CallbackId=args.callback_id)
    print(f"callback {args.callback_command}: sent")
    return 0


def _json_default(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
