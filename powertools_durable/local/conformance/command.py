"""``powertools-durable conformance``: run a directory of requirements and print the verdict table."""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

DEFAULT_REQUIREMENTS = "tests/conformance/requirements"
DEFAULT_TIME_SCALE = 10.0
DEFAULT_TEMPLATE = "tests/conformance/template.yaml"  # the conformance stack, apart from the app's template.yaml


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--requirements",
        "-r",
        default=DEFAULT_REQUIREMENTS,
        help="directory of requirement YAMLs (searched recursively)",
    )
    parser.add_argument(
        "--template",
        "-t",
        default=DEFAULT_TEMPLATE,
        help=f"SAM template whose functions answer them ({DEFAULT_TEMPLATE})",
    )
    parser.add_argument("--only", default=None, help="comma-separated ids or globs, e.g. '1-*,2-3'")
    parser.add_argument("--stack", default=None, help="judge this deployed conformance stack instead of the emulator")
    parser.add_argument(
        "--function-map",
        action="append",
        default=[],
        metavar="Name=ARN",
        help="a template function and the deployed ARN to invoke for it (repeatable; with or instead of --stack)",
    )
    parser.add_argument(
        "--no-logs",
        action="store_true",
        help="deployed: leave ExpectedLogs unchecked instead of reading CloudWatch Logs (said in each verdict)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="wall seconds allowed per requirement")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=None,
        help="modelled time runs this many times faster (default 10 on the emulator, 1 deployed)",
    )
    parser.add_argument("--json", action="store_true", help="the verdicts as JSON lines instead of a table")
    parser.add_argument(
        "--run-declared", action="store_true", help="also run mapped requirements declared NotImplemented"
    )


def run(args: argparse.Namespace) -> int:
    """Exit 0 when nothing failed (declared gaps and optional failures do not count), else 1."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from powertools_durable.local.cloud import CloudTargetError  # noqa: PLC0415
    from powertools_durable.local.conformance.requirements import load_requirements  # noqa: PLC0415
    from powertools_durable.local.conformance.runner import RequirementMap, format_table  # noqa: PLC0415
    from powertools_durable.local.conformance.session import cloud_runner, emulator_session  # noqa: PLC0415

    requirements = load_requirements(Path(args.requirements))
    if args.only:
        patterns = [p.strip() for p in args.only.split(",") if p.strip()]
        requirements = {k: v for k, v in requirements.items() if any(fnmatch.fnmatch(k, p) for p in patterns)}
    with ExitStack() as stack:
        if args.stack or args.function_map:
            scale = args.time_scale or 1.0
            try:
                runner = cloud_runner(
                    args.template,
                    stack=args.stack,
                    function_map=args.function_map,
                    timeout=args.timeout,
                    time_scale=scale,
                    read_logs=not args.no_logs,
                )
            except (CloudTargetError, BotoCoreError, ClientError) as exc:
                print(f"conformance: {exc}", file=sys.stderr)
                return 2
        else:
            scale = args.time_scale or DEFAULT_TIME_SCALE
            runner = stack.enter_context(emulator_session(args.template, timeout=args.timeout, time_scale=scale))
        if args.run_declared:
            runner.mapping = RequirementMap(runner.mapping.functions, {})
        verdicts = [runner.run(requirement) for requirement in requirements.values()]
    if args.json:
        for verdict in verdicts:
            print(json.dumps(asdict(verdict)))
    else:
        print(format_table(verdicts))
    failed = [v for v in verdicts if v.outcome in ("failed", "unmapped") and not v.optional]
    return 1 if failed else 0
