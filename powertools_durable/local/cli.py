"""``powertools-durable``: the command line of the local emulator.

``local start`` serves a SAM template; ``local doctor`` checks (and repairs) its store;
``local invoke|executions|history|callback`` talk to a running
emulator through boto3 (``--endpoint``, default http://127.0.0.1:5000), exactly as they would
talk to AWS; ``demo`` runs a step-wait-step execution on an in-process emulator.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from powertools_durable.local.conformance.command import add_arguments as add_conformance_arguments
from powertools_durable.local.conformance.command import run as run_conformance
from powertools_durable.tools.commands import add_commands as add_tool_commands

if TYPE_CHECKING:
    from powertools_durable.local.emulator import LocalEmulator

DEFAULT_ENDPOINT = "http://127.0.0.1:5000"
ENV_ENDPOINT = "POWERTOOLS_DURABLE_ENDPOINT"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="powertools-durable", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the SAM app's StepWaitStep on the emulator and print its timeline")
    demo.add_argument("--template", "-t", default="template.yaml", help="SAM template (default: template.yaml)")
    conformance = commands.add_parser("conformance", help="judge a directory of AWS conformance requirements")
    add_conformance_arguments(conformance)
    add_tool_commands(commands)  # lint, replay
    local = commands.add_parser("local", help="the local emulator of Lambda durable functions")
    sub = local.add_subparsers(dest="local_command", required=True)

    start = sub.add_parser("start", help="serve the functions of a SAM template")
    start.add_argument("--template", "-t", default="template.yaml", help="SAM template (default: template.yaml)")
    start.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default: 127.0.0.1; any other than loopback warns: no authentication)",
    )
    start.add_argument("--port", "-p", type=int, default=5000, help="port (default: 5000)")
    start.add_argument(
        "--store", default=None, help="SQLite file, or :memory: (default: .powertools-durable/emulator.sqlite3)"
    )
    start.add_argument("--time-scale", type=float, default=1.0, help="modelled time runs this many times faster")

    doctor = sub.add_parser("doctor", help="check an emulator store for damage; --repair quarantines it")
    doctor.add_argument("--store", default=None, help="SQLite file (default: .powertools-durable/emulator.sqlite3)")
    doctor.add_argument(
        "--repair", action="store_true", help="recreate missing tables, move damaged executions to a quarantine table"
    )

    endpoint = argparse.ArgumentParser(add_help=False)
    endpoint.add_argument(
        "--endpoint", default=os.environ.get(ENV_ENDPOINT, DEFAULT_ENDPOINT), help="the running emulator's URL"
    )
    invoke = sub.add_parser("invoke", parents=[endpoint], help="start an execution")
    invoke.add_argument("function")
    invoke.add_argument("--input", default=None, help="the input, as JSON")
    invoke.add_argument("--name", default=None, help="DurableExecutionName (makes the start idempotent)")
    invoke.add_argument("--wait", action="store_true", help="wait for the end, then print result and timeline")

    executions = sub.add_parser("executions", parents=[endpoint], help="list executions")
    executions.add_argument("function", nargs="?", default=None)

    history = sub.add_parser("history", parents=[endpoint], help="an execution's history as a timeline")
    history.add_argument("arn")
    history.add_argument("--json", action="store_true", help="the raw events, as GetDurableExecutionHistory returns")
    history.add_argument("--logs", action="store_true", help="show each invocation's output")

    callback = sub.add_parser("callback", help="answer a callback, as the external system would")
    answers = callback.add_subparsers(dest="callback_command", required=True)
    succeed = answers.add_parser("succeed", parents=[endpoint], help="SendDurableExecutionCallbackSuccess")
    succeed.add_argument("callback_id")
    succeed.add_argument("--payload", default="", help="the result, sent as given (e.g. JSON; default: empty)")
    fail = answers.add_parser("fail", parents=[endpoint], help="SendDurableExecutionCallbackFailure")
    fail.add_argument("callback_id")
    fail.add_argument("--error-type", default=None, help="the error's ErrorType")
    fail.add_argument("--error-message", default=None, help="the error's ErrorMessage")
    heartbeat = answers.add_parser("heartbeat", parents=[endpoint], help="SendDurableExecutionCallbackHeartbeat")
    heartbeat.add_argument("callback_id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from powertools_durable.local.demo import run_demo  # noqa: PLC0415

        return run_demo(args.template)
    if args.command == "conformance":
        return run_conformance(args)
    if hasattr(args, "tool_run"):
        tool_run: Any = args.tool_run
        return int(tool_run(args))
    handlers = {
        "start": _start,
        "doctor": _doctor,
        "invoke": _invoke,
        "executions": _executions,
        "history": _history,
        "callback": _callback,
    }
    try:
        return handlers[args.local_command](args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, not a traceback, for the errors people make
        print(f"powertools-durable: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: Exception) -> str:
    """``Code: message`` of an AWS error (botocore's ClientError), ``Type: message`` of any other."""
    error = (getattr(exc, "response", None) or {}).get("Error") if hasattr(exc, "operation_name") else None
    if error and error.get("Code"):
        return f"{error['Code']}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the emulator on this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name, or an address such as 0.0.0.0: reachable from elsewhere


def _start(args: argparse.Namespace) -> int:
    from powertools_durable.local.emulator import LocalEmulator  # noqa: PLC0415
    from powertools_durable.local.store import DEFAULT_STORE  # noqa: PLC0415

    if not is_loopback(args.host):
        print(
            f"powertools-durable: WARNING: binding {args.host}, not a loopback address. The emulator has no "
            "authentication: anyone who can reach this port can start, read, answer and stop executions.",
            file=sys.stderr,
            flush=True,
        )
    store = args.store or str(DEFAULT_STORE)
    emulator = LocalEmulator(
        Path(args.template), store=store, time_scale=args.time_scale, host=args.host, port=args.port
    )

    def ready(running: LocalEmulator) -> None:
        names = ", ".join(sorted(running.functions)) or "(none)"
        print(f"powertools-durable emulator on {running.endpoint_url} (store {store}, time x{args.time_scale})")
        print(f"functions: {names}")
        if running.recovered:
            print(f"resumed {running.recovered} running execution(s)")
        for message in _damaged(running):
            print(f"warning: {message}")
        print(f"try: powertools-durable local invoke <function> --wait --endpoint {running.endpoint_url}", flush=True)

    emulator.serve(on_ready=ready)
    return 0


def _damaged(running: LocalEmulator) -> list[str]:
    """The store's damaged executions found while starting (skipped: the others run)."""
    damaged: dict[str, str] = getattr(running.store, "damaged", {})
    if not damaged:
        return []
    from powertools_durable.local.store_schema import repair_hint  # noqa: PLC0415

    path = getattr(running.store, "path", "")
    lines = [f"skipped damaged execution {arn}: {problem}" for arn, problem in damaged.items()]
    return [*lines, repair_hint(path)]


def _doctor(args: argparse.Namespace) -> int:
    import sqlite3  # noqa: PLC0415

    from powertools_durable.local import doctor  # noqa: PLC0415
    from powertools_durable.local.store import DEFAULT_STORE  # noqa: PLC0415

    store = args.store or str(DEFAULT_STORE)
    try:
        findings = doctor.repair(store) if args.repair else doctor.check(store)
    except sqlite3.DatabaseError as exc:
        print(f"store {store} is not a readable SQLite database ({exc}): nothing to repair in it;", file=sys.stderr)
        print(f"move it aside (mv {store} {store}.damaged) to start with an empty store", file=sys.stderr)
        return 1
    if not findings:
        print(f"store {store}: sound")
        return 0
    print(f"store {store}: {len(findings)} problem(s)")
    for finding in findings:
        print(f"  - {finding}")
    if not args.repair:
        print(f"repair: powertools-durable local doctor --store {store} --repair (damaged executions are quarantined)")
        return 1
    left = doctor.check(store)
    quarantined = sum(1 for finding in findings if finding.arn)
    print(f"repaired: missing tables recreated, {quarantined} execution(s) moved to the table quarantine of {store}")
    if left:
        print(f"still damaged: {'; '.join(map(str, left))}", file=sys.stderr)
        return 1
    return 0


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
    print(format_timeline(_events(client, arn), _logs(endpoint, arn) if logs else None))


def _invoke(args: argparse.Namespace) -> int:
    payload = args.input if args.input is not None else "{}"
    json.loads(payload)  # fail here, clearly, on input that is not JSON
    client = _client(args.endpoint)
    options: dict[str, Any] = {"DurableExecutionName": args.name} if args.name else {}
    invocation_type = "RequestResponse" if args.wait else "Event"
    response = client.invoke(FunctionName=args.function, InvocationType=invocation_type, Payload=payload, **options)
    arn = response.get("DurableExecutionArn")
    print(arn)
    if not args.wait:
        return 0
    body = response["Payload"].read().decode()
    described = client.get_durable_execution(DurableExecutionArn=arn)
    print(f"status: {described['Status']}")
    print(f"{'error' if response.get('FunctionError') else 'result'}: {body}")
    _print_timeline(args.endpoint, arn, logs=True)
    return 0 if described["Status"] == "SUCCEEDED" else 1


def _executions(args: argparse.Namespace) -> int:
    client = _client(args.endpoint)
    functions = [args.function] if args.function else [f["FunctionName"] for f in client.list_functions()["Functions"]]
    for function in functions:
        marker = None
        while True:
            page = client.list_durable_executions_by_function(
                FunctionName=function, **({"Marker": marker} if marker else {})
            )
            for execution in page.get("DurableExecutions", []):
                started = execution["StartTimestamp"].isoformat(timespec="seconds")
                print(f"{execution['Status']:<10} {started}  {execution['DurableExecutionArn']}")
            marker = page.get("NextMarker")
            if not marker:
                break
    return 0


def _history(args: argparse.Namespace) -> int:
    if args.json:
        events = _events(_client(args.endpoint), args.arn)
        history = {"DurableExecutionArn": args.arn, "Events": events}  # the ARN: for `powertools-durable replay`
        print(json.dumps(history, indent=2, default=_json_default))
        return 0
    _print_timeline(args.endpoint, args.arn, logs=args.logs)
    return 0


def _callback(args: argparse.Namespace) -> int:
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


if __name__ == "__main__":
    sys.exit(main())
