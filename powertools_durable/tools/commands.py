"""The ``lint`` and ``replay`` subcommands of ``powertools-durable``, registered by the CLI's parser."""

from __future__ import annotations

from typing import Any

from powertools_durable.tools.lint import command as lint
from powertools_durable.tools.replay import command as replay


def add_commands(commands: Any) -> None:
    """Add ``lint`` and ``replay`` to the CLI's subparsers; each sets ``tool_run`` to its entry point."""
    lint_parser = commands.add_parser("lint", help="check durable handlers for code that breaks replay")
    lint.add_arguments(lint_parser)
    lint_parser.set_defaults(tool_run=lint.run)
    replay_parser = commands.add_parser("replay", help="replay a handler against a recorded execution history")
    replay.add_arguments(replay_parser)
    replay_parser.set_defaults(tool_run=replay.run)
