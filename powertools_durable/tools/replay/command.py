"""``powertools-durable replay --handler module:function HISTORY.json``: exit 0 when it replays cleanly, 1 when not."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from powertools_durable.tools.replay.history import HistoryError, load
from powertools_durable.tools.replay.replayer import replay


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("history", help="JSON of `local history --json`, GetDurableExecutionHistory or ...State")
    parser.add_argument(
        "--handler",
        required=True,
        help="the Lambda handler as deployed: module:function, or path/to/app.py:function",
    )
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        help="a directory to import from, first on sys.path as CodeUri is on Lambda (repeatable; default: .)",
    )
    parser.add_argument("--arn", default=None, help="the execution's ARN, when the JSON does not carry it")


def run(args: argparse.Namespace) -> int:
    """The report comes last on stdout, after whatever the handler itself prints (its log lines, as on Lambda).

    Not redirected: a Powertools Logger keeps the stream it was created with, for the whole process.
    """
    try:
        handler = load_handler(args.handler, [Path(p) for p in args.path])
        recorded = load(args.history, args.arn)
    except (HistoryError, ImportError, AttributeError, ValueError) as exc:
        print(f"powertools-durable replay: {exc}", file=sys.stderr)
        return 2
    if not recorded.arn_known:
        print(
            "powertools-durable replay: note: no execution ARN in the JSON (give --arn): "
            "context.uuid4()/random() draw other values than the recorded run did",
            file=sys.stderr,
        )
    report = replay(recorded, handler)
    print(report)
    return 0 if report.clean else 1


def load_handler(spec: str, paths: list[Path]) -> Callable[[Any, Any], Any]:
    """``module:function`` or ``file.py:function`` (``module.function`` as in a SAM template works too)."""
    target, sep, attribute = spec.rpartition(":")
    if not sep:
        target, _, attribute = spec.rpartition(".")
    if not target or not attribute:
        raise ValueError(f"--handler {spec!r}: expected module:function or path/to/file.py:function")
    for path in reversed(paths or [Path.cwd()]):
        sys.path.insert(0, str(path.resolve()))
    if target.endswith(".py"):
        file = Path(target)
        module_spec = importlib.util.spec_from_file_location(file.stem, file)
        if module_spec is None or module_spec.loader is None or not file.exists():
            raise ImportError(f"--handler {spec!r}: no such file {file}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_spec.name] = module
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    handler = getattr(module, attribute)
    if not callable(handler):
        raise ValueError(f"--handler {spec!r}: {attribute} is not callable")
    result: Callable[[Any, Any], Any] = handler
    return result
