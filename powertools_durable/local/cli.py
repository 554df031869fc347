"""``powertools-durable``: the command line of the local emulator.

``local start`` serves a SAM template; ``local doctor`` checks (and repairs) its store;
``local invoke|executions|history|callback`` talk to a running
emulator through boto3 (``--endpoint``, default http://127.0.0.1:5000), exactly as they would
talk to AWS; ``demo`` runs a step-wait-step execution on an in-process emulator.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import ipaddress
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from powertools_durable.local.conformance.command import add_arguments as add_conformance_arguments
from powertools_durable.local.conformance.command import run as run_conformance

if TYPE_CHECKING:
    from powertools_durable.local.emulator import LocalEmulator

DEFAULT_ENDPOINT = "http://127.0.0.1:5000"
ENV_ENDPOINT = "POWERTOOLS_DURABLE_ENDPOINT"
BUILT_TEMPLATE = Path(".aws-sam") / "build" / "template.yaml"
WAIT_POLL_S = 0.2


class CliError(Exception):
    """A mistake the user can fix: printed as one line, without a traceback."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="powertools-durable", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the SAM app's StepWaitStep on the emulator and print its timeline")
    demo.add_argument("--template", "-t", default="template.yaml", help="SAM template (default: template.yaml)")
    conformance = commands.add_parser("conformance", help="judge a directory of AWS conformance requirements")
    add_conformance_arguments(conformance)
    local = commands.add_parser("local", help="the local emulator of Lambda durable functions")
    sub = local.add_subparsers(dest="local_command", required=True)

    start = sub.add_parser("start", help="serve the functions of a SAM template")
    start.add_argument(
        "--template",
        "-t",
        default=None,
        help=f"SAM template (default: {BUILT_TEMPLATE} after `sam build`, else template.yaml)",
    )
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
    start.add_argument(
        "--parameter-overrides",
        nargs="+",
        action="extend",
        default=None,
        metavar="KEY=VALUE",
        help="template parameters, as sam local takes them: Key=Value or ParameterKey=Key,ParameterValue=Value",
    )
    start.add_argument(
        "--env-vars",
        default=None,
        metavar="FILE",
        help='JSON file overriding variables, as sam local reads it: {"LogicalId": {"VAR": "v"}, "Parameters": {...}}',
    )
    start.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or "us-east-1",
        help="the functions' AWS_REGION and AWS::Region (default: $AWS_REGION, else us-east-1)",
    )
    start.add_argument(
        "--quiet", "-q", action="store_true", help="print no START / END / REPORT lines nor the functions' output"
    )

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
        print(f"powertools-durable: {_one_line(exc, getattr(args, 'endpoint', None))}", file=sys.stderr)
        return 1


def _one_line(exc: Exception, endpoint: str | None = None) -> str:
    """``Code: message`` of an AWS error (botocore's ClientError), ``Type: message`` of any other."""
    if isinstance(exc, CliError):
        return str(exc)
    if type(exc).__name__ == "EndpointConnectionError" or isinstance(exc, urllib.error.URLError | ConnectionError):
        return (
            f"no emulator answers at {endpoint or DEFAULT_ENDPOINT}: start one with `powertools-durable local start`"
            f" (or point --endpoint / ${ENV_ENDPOINT} at yours)"
        )
    error = (getattr(exc, "response", None) or {}).get("Error") if hasattr(exc, "operation_name") else None
    if error and error.get("Code"):
        return f"{error['Code']}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _error_code(exc: Exception) -> str | None:
    error = (getattr(exc, "response", None) or {}).get("Error") or {}
    code: str | None = error.get("Code")
    return code


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
    from powertools_durable.local.template import TemplateError  # noqa: PLC0415
    from powertools_durable.local.terminal import InvocationPrinter  # noqa: PLC0415

    template = Path(args.template) if args.template else (BUILT_TEMPLATE if BUILT_TEMPLATE.exists() else None)
    template = template or Path("template.yaml")
    if not is_loopback(args.host):
        print(
            f"powertools-durable: WARNING: binding {args.host}, not a loopback address. The emulator has no "
            "authentication: anyone who can reach this port can start, read, answer and stop executions.",
            file=sys.stderr,
            flush=True,
        )
    store = args.store or str(DEFAULT_STORE)
    warnings.showwarning = _show_warning
    try:
        emulator = LocalEmulator(
            template,
            store=store,
            time_scale=args.time_scale,
            host=args.host,
            port=args.port,
            region=args.region,
            parameter_overrides=args.parameter_overrides,
            env_vars=args.env_vars,
            on_invocation=None if args.quiet else InvocationPrinter(),
        )
    except TemplateError as exc:
        raise CliError(f"{template}: {exc}") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CliError(
                f"port {args.port} on {args.host} is already in use (another emulator?):"
                " stop it, or choose another port with --port"
            ) from None
        raise

    def ready(running: LocalEmulator) -> None:
        names = ", ".join(sorted(running.functions)) or "(none)"
        print(f"powertools-durable emulator on {running.endpoint_url} (store {store}, time x{args.time_scale})")
        print(f"template: {template}")
        print(f"functions: {names}")
        for runtime, interpreter in _other_interpreters(running):
            print(f"{runtime} functions run on {interpreter} (compiled dependencies need `sam build` for it)")
        if running.recovered:
            print(f"resumed {running.recovered} running execution(s)")
        for message in _damaged(running):
            print(f"warning: {message}")
        print(f"try: powertools-durable local invoke <function> --wait --endpoint {running.endpoint_url}", flush=True)

    emulator.serve(on_ready=ready)
    return 0


def _other_interpreters(running: LocalEmulator) -> list[tuple[str, str]]:
    """``(Runtime, interpreter)`` of functions that do not run on the emulator's own Python."""
    chosen = {(spec.runtime, getattr(spec, "interpreter", None)) for spec in running.functions.values()}
    return sorted((runtime, str(path)) for runtime, path in chosen if path not in (None, sys.executable))


def _show_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, *rest: Any, **options: Any
) -> None:
    """Warnings about the template, one line each on stderr (not Python's two-line form)."""
    print(f"warning: {message}", file=sys.stderr)


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


def _invoke(args: argparse.Namespace) -> int:
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


def _executions(args: argparse.Namespace) -> int:
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


def _history(args: argparse.Namespace) -> int:
    if args.json:
        events = _events(_client(args.endpoint), args.arn)
        print(json.dumps({"Events": events}, indent=2, default=_json_default))
        _, scale = _wall_clock(args.endpoint)
        print(
            f"note: EventTimestamp values are modelled time (time x{scale:g}), as histories record it", file=sys.stderr
        )
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
