"""``powertools-durable``: the command line of the local emulator.

``local start`` serves a SAM template; ``local doctor`` checks (and repairs) its store;
``local invoke|executions|history|callback`` talk to a running emulator through boto3
(``--endpoint``, default http://127.0.0.1:5000), exactly as they would talk to AWS
(:mod:`.client_commands`); ``demo`` runs a step-wait-step execution on an in-process emulator.
Every error a user can fix is one line that says what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import sys
import urllib.error
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from powertools_durable.local import client_commands
from powertools_durable.local.client_commands import DEFAULT_ENDPOINT, ENV_ENDPOINT, CliError
from powertools_durable.local.conformance.command import add_arguments as add_conformance_arguments
from powertools_durable.local.conformance.command import run as run_conformance
from powertools_durable.tools.commands import add_commands as add_tool_commands

if TYPE_CHECKING:
    from powertools_durable.local.emulator import LocalEmulator

BUILT_TEMPLATE = Path(".aws-sam") / "build" / "template.yaml"


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
    if hasattr(args, "tool_run"):
        tool_run: Any = args.tool_run
        return int(tool_run(args))
    handlers = {
        "start": _start,
        "doctor": _doctor,
        "invoke": client_commands.invoke,
        "executions": client_commands.executions,
        "history": client_commands.history,
        "callback": client_commands.callback,
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


if __name__ == "__main__":
    sys.exit(main())
