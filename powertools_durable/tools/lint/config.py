"""What to check: ``[tool.powertools-durable.lint]`` in pyproject.toml, the command line, and ``# noqa`` comments.

``select`` / ``ignore`` take rule codes or prefixes (``DUR``, ``DUR00``); ``exclude`` takes glob
patterns relative to the pyproject's directory, matched against each file and its parents. A
``# noqa: DUR001`` comment silences that rule on its line; a bare ``# noqa`` silences every rule.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from powertools_durable.tools.lint.rules import RULES

ALWAYS_EXCLUDED = frozenset({".git", ".venv", "venv", "__pycache__", "node_modules", ".aws-sam", "build", "dist"})
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?", re.IGNORECASE)


class ConfigError(ValueError):
    """The configuration names an unknown rule or has a value of the wrong type."""


@dataclass(frozen=True)
class LintConfig:
    select: tuple[str, ...] = ("DUR",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)

    def enabled(self, code: str) -> bool:
        return code.startswith(self.select) and not code.startswith(self.ignore or ("\0",))

    def excluded(self, path: Path) -> bool:
        try:
            relative = PurePath(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            relative = PurePath(path)
        if any(part in ALWAYS_EXCLUDED for part in relative.parts):
            return True
        candidates = [relative, *relative.parents]
        return any(
            c.match(pattern) or c.as_posix() == pattern.rstrip("/") for c in candidates for pattern in self.exclude
        )


def _codes(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.powertools-durable.lint] {key} must be a list of strings")
    for code in value:
        if not any(rule.startswith(code.upper()) for rule in RULES):
            raise ConfigError(
                f"[tool.powertools-durable.lint] {key}: {code!r} names no rule (known: {', '.join(RULES)})"
            )
    return tuple(v.upper() for v in value)


def find_pyproject(start: Path) -> Path | None:
    for directory in [start.resolve(), *start.resolve().parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(pyproject: Path | None) -> LintConfig:
    """The table of ``pyproject`` (defaults when there is none)."""
    if pyproject is None:
        return LintConfig()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: {exc}") from None
    table = data.get("tool", {}).get("powertools-durable", {}).get("lint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.powertools-durable.lint] must be a table")
    unknown = set(table) - {"select", "ignore", "exclude"}
    if unknown:
        raise ConfigError(f"{pyproject}: [tool.powertools-durable.lint] has unknown keys: {', '.join(sorted(unknown))}")
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(v, str) for v in exclude):
        raise ConfigError("[tool.powertools-durable.lint] exclude must be a list of glob patterns")
    return LintConfig(
        select=_codes(table["select"], "select") if "select" in table else ("DUR",),
        ignore=_codes(table.get("ignore", []), "ignore"),
        exclude=tuple(exclude),
        root=pyproject.parent,
    )


def suppressed(line: str, code: str) -> bool:
    """Whether a ``# noqa`` comment on ``line`` silences ``code``."""
    for match in _NOQA.finditer(line):
        codes = match.group("codes")
        if codes is None or code in {c.strip().upper() for c in codes.split(",")}:
            return True
    return False
