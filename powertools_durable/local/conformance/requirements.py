"""Loading requirement YAMLs and binding their variables.

A requirement's id is its file name without extension (``1-1``). ``Variables`` are bound
once per run (``${GEN_STR:N}`` draws a fresh alphanumeric string) and substituted
everywhere; the matcher's own tokens (``${ID1}``, ``${/regex/}``) are left for the matcher.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_GEN_STR = re.compile(r"^\$\{GEN_STR:(\d+)\}$")
_ALPHANUMERIC = string.ascii_letters + string.digits


class RequirementError(ValueError):
    """A requirement file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class CallbackAction:
    callback_name: str
    operation: str
    payload: Any
    delay: float


@dataclass(frozen=True)
class LogExpectation:
    match: dict[str, str]
    count: int


@dataclass(frozen=True)
class Requirement:
    """One requirement, with its variables already substituted."""

    id: str
    path: Path
    description: str
    optional: bool
    asynchronous: bool
    input: Any
    expected_status: str | None
    expected_result: Any
    has_expected_result: bool
    expected_history: list[dict[str, Any]]
    callback_actions: list[CallbackAction] = field(default_factory=list)
    expected_logs: list[LogExpectation] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)


def requirement_sort_key(requirement_id: str) -> tuple[int, ...]:
    """``1-2`` before ``1-10``."""
    return tuple(int(part) if part.isdigit() else 0 for part in requirement_id.split("-"))


def _generate(spec: str) -> str:
    match = _GEN_STR.match(spec)
    if match is None:
        return spec
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(int(match.group(1))))


def substitute(value: Any, variables: dict[str, str]) -> Any:
    """Replace ``${NAME}`` of bound variables in every string inside ``value``."""
    if isinstance(value, str):
        return _VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    return value


def load_requirement(path: Path) -> Requirement:
    """Read one file and bind fresh variables."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise RequirementError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RequirementError(f"{path}: a requirement must be a mapping")
    variables = {str(k): _generate(str(v)) for k, v in (raw.get("Variables") or {}).items()}
    raw = substitute(raw, variables)
    expected = raw.get("ExpectedResult")
    history = raw.get("ExpectedExecutionHistory") or []
    if not isinstance(history, list):
        raise RequirementError(f"{path}: ExpectedExecutionHistory must be a list")
    actions = []
    for index, action in enumerate(raw.get("CallbackActions") or []):
        try:
            actions.append(
                CallbackAction(
                    callback_name=str(action["CallbackName"]),
                    operation=str(action["Operation"]),
                    payload=action.get("Payload"),
                    delay=float(action.get("Delay") or 0),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RequirementError(f"{path}: CallbackActions[{index}] is malformed: {exc}") from exc
    logs = [
        LogExpectation(match={str(k): str(v) for k, v in (item.get("match") or {}).items()}, count=int(item["count"]))
        for item in raw.get("ExpectedLogs") or []
    ]
    return Requirement(
        id=path.stem,
        path=path,
        description=str(raw.get("description") or ""),
        optional=bool(raw.get("optional")),
        asynchronous=bool(raw.get("AsyncInvoke") or raw.get("async")),
        input=raw.get("Input"),
        expected_status=(expected or {}).get("ExecutionStatus"),
        expected_result=(expected or {}).get("Result"),
        has_expected_result=isinstance(expected, dict) and "Result" in expected,
        expected_history=history,
        callback_actions=actions,
        expected_logs=logs,
        variables=variables,
    )


def load_requirements(directory: str | Path) -> dict[str, Requirement]:
    """Every ``*.yaml`` under ``directory`` (recursively), keyed by id, in id order."""
    root = Path(directory)
    if not root.is_dir():
        raise RequirementError(f"{root}: not a directory of requirement YAMLs")
    found = {p.stem: load_requirement(p) for p in root.rglob("*.yaml")}
    return {k: found[k] for k in sorted(found, key=requirement_sort_key)}
