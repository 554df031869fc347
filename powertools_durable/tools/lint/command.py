"""``powertools-durable lint [PATHS]``: check files, print findings, exit 1 when there are any (2 on bad input)."""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from powertools_durable.tools.lint.checks import check
from powertools_durable.tools.lint.config import ConfigError, LintConfig, find_pyproject, load_config, suppressed
from powertools_durable.tools.lint.output import FORMATS, render
from powertools_durable.tools.lint.rules import RULES, Finding


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--select", default=None, help="comma-separated rule codes or prefixes to check")
    parser.add_argument("--ignore", default=None, help="comma-separated rule codes or prefixes to skip")
    parser.add_argument("--config", default=None, help="pyproject.toml to read (default: the nearest one)")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(Path(args.config) if args.config else find_pyproject(Path(args.paths[0])))
        config = _overridden(config, args.select, args.ignore)
        findings = lint_paths([Path(p) for p in args.paths], config)
    except (ConfigError, FileNotFoundError, SyntaxError, UnicodeDecodeError) as exc:
        print(f"powertools-durable lint: {exc}", file=sys.stderr)
        return 2
    print(render(findings, args.format))
    return 1 if findings else 0


def _overridden(config: LintConfig, select: str | None, ignore: str | None) -> LintConfig:
    def codes(value: str) -> tuple[str, ...]:
        parsed = tuple(c.strip().upper() for c in value.split(",") if c.strip())
        for code in parsed:
            if not any(rule.startswith(code) for rule in RULES):
                raise ConfigError(f"{code!r} names no rule (known: {', '.join(RULES)})")
        return parsed

    return LintConfig(
        select=codes(select) if select else config.select,
        ignore=codes(ignore) if ignore else config.ignore,
        exclude=config.exclude,
        root=config.root,
    )


def lint_paths(paths: Sequence[Path], config: LintConfig | None = None) -> list[Finding]:
    """Every finding in the Python files under ``paths``, sorted by file and position."""
    config = config or LintConfig()
    findings: list[Finding] = []
    for file in _files(paths, config):
        findings += lint_source(file.read_text(encoding="utf-8"), str(file), config)
    return sorted(findings)


def lint_source(source: str, path: str = "<source>", config: LintConfig | None = None) -> list[Finding]:
    """The findings of one module's source; a syntax error raises :class:`SyntaxError` naming the file."""
    config = config or LintConfig()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise SyntaxError(f"{path}:{exc.lineno}:{exc.offset}: cannot parse: {exc.msg}") from None
    lines = source.splitlines()
    found = set()
    for node, code, message in check(tree):
        line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
        if config.enabled(code) and not (line <= len(lines) and suppressed(lines[line - 1], code)):
            found.add(Finding(path, line, column, code, message))
    return sorted(found)


def _files(paths: Sequence[Path], config: LintConfig) -> Iterator[Path]:
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
        if path.is_file():
            yield path  # named explicitly: checked even if excluded, as ruff does
            continue
        for file in sorted(path.rglob("*.py")):
            if not config.excluded(file):
                yield file
