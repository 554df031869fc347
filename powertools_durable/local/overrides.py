"""What a developer changes without editing the template: ``--parameter-overrides`` and ``--env-vars``.

Both read as SAM CLI reads them, so one command line serves ``sam local`` and this emulator:

- parameter overrides are ``Key=Value`` tokens or ``ParameterKey=K,ParameterValue=V`` tokens
  (shell quoting inside one string is honoured: ``"Stage=dev Greeting='hello there'"``);
- an env-vars file is JSON ``{"LogicalId": {"VAR": "value"}, "Parameters": {"VAR": "value"}}``:
  ``Parameters`` applies to every function, a function's own entry (by logical id or function
  name) wins over it, and only variables the template declares are set.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from powertools_durable.local.intrinsics import TemplateError

EnvVars = dict[str, dict[str, Any]]

_LONG_FORM = re.compile(r"^ParameterKey=([^,]+),ParameterValue=(.*)$", re.DOTALL)
_KEY = re.compile(r"^[A-Za-z0-9:]+$")
PARAMETERS_KEY = "Parameters"


def parse_parameter_overrides(values: str | Iterable[str] | None) -> dict[str, str]:
    """``Key=Value`` / ``ParameterKey=K,ParameterValue=V`` tokens, as ``--parameter-overrides`` takes them.

    Raises
    ------
    TemplateError
        A token of neither form (the message quotes it and shows both forms).
    """
    if values is None:
        return {}
    strings = [values] if isinstance(values, str) else list(values)
    overrides: dict[str, str] = {}
    for text in strings:
        try:
            tokens = shlex.split(text)
        except ValueError as exc:
            raise TemplateError(f"--parameter-overrides {text!r}: {exc}") from None
        for token in tokens:
            match = _LONG_FORM.match(token)
            key, value = (match.group(1), match.group(2)) if match else token.partition("=")[::2]
            if not _KEY.match(key) or (match is None and "=" not in token):
                raise TemplateError(
                    f"--parameter-overrides: {token!r} is neither Key=Value nor ParameterKey=Key,ParameterValue=Value"
                )
            overrides[key] = value
    return overrides


def load_env_vars(source: str | Path | Mapping[str, Any] | None) -> EnvVars:
    """An env-vars file (or its content) checked: every top-level value is a mapping of variables."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        document: Any = dict(source)
        name = "env vars"
    else:
        name = f"--env-vars {source}"
        try:
            document = json.loads(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise TemplateError(f"{name}: cannot read it ({exc.strerror or exc})") from None
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{name}: not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise TemplateError(f'{name}: must be a JSON object like {{"MyFunction": {{"VAR": "value"}}}}')
    for key, variables in document.items():
        if not isinstance(variables, dict):
            raise TemplateError(f"{name}: {key} must map variable names to values, got {type(variables).__name__}")
    return {str(key): dict(variables) for key, variables in document.items()}


def function_env_overrides(env_vars: EnvVars, logical_id: str, function_name: str) -> dict[str, Any]:
    """The overrides of one function: ``Parameters`` first, then its own entry (logical id, else name)."""
    overrides = dict(env_vars.get(PARAMETERS_KEY, {}))
    own = env_vars.get(logical_id) or env_vars.get(function_name)
    if own:
        overrides.update(own)
    return overrides


def env_value(value: Any) -> str:
    """A value as Lambda's environment holds it (SAM CLI: booleans ``true``/``false``, lists/null empty)."""
    if value is None or isinstance(value, (dict, list, tuple)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
