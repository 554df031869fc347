"""``powertools-durable``: the command line of the local emulator."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="powertools-durable", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run a step-wait-step workflow and print its operations")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from powertools_durable.local.demo import run_demo  # noqa: PLC0415

        return run_demo()
    parser.error(f"unknown command {args.command}")
    return 2
