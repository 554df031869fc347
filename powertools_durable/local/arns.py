"""Execution ARNs, function identifiers and callback ids, in Lambda's forms.

An execution ARN reads
``arn:aws:lambda:{region}:{account}:function:{name}:{qualifier}/durable-execution/{execution name}/{id}``
and its last segment is the ``Id`` of the execution's EXECUTION operation (the official SDK
finds that operation by it).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from powertools_durable.local.errors import InvalidParameterValueError

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
LATEST = "$LATEST"

EXECUTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_FUNCTION_ARN = re.compile(r"^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:function:([a-zA-Z0-9_.-]+)(?::([^:/]+))?$")
_PUBLISHED = re.compile(r"[0-9]+|\$LATEST\.PUBLISHED")  # a version number, or the latest published one
_PARTIAL = re.compile(r"^(?:\d{12}:function:)?([a-zA-Z0-9_.-]+)(?::([^:/]+))?$")


@dataclass(frozen=True)
class FunctionRef:
    """A function named in a request, with the qualifier it carried (if any)."""

    name: str
    qualifier: str | None


def parse_function(identifier: str) -> FunctionRef | None:
    """``name``, ``name:qualifier``, ``account:function:name`` or a function ARN; ``None`` if none of these,
    or if the qualifier names a published version: the emulator serves ``$LATEST`` (and any alias, as
    ``$LATEST``) and publishes no version, so ``Echo:42`` is a function that does not exist."""
    match = _FUNCTION_ARN.match(identifier) or _PARTIAL.match(identifier)
    if match is None or _PUBLISHED.fullmatch(match.group(2) or ""):
        return None
    return FunctionRef(match.group(1), match.group(2))


def function_arn(name: str, qualifier: str | None = None, *, region: str = DEFAULT_REGION) -> str:
    base = f"arn:aws:lambda:{region}:{DEFAULT_ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def execution_arn(function: str, qualifier: str, name: str, execution_id: str, *, region: str = DEFAULT_REGION) -> str:
    return f"{function_arn(function, qualifier, region=region)}/durable-execution/{name}/{execution_id}"


def execution_id(arn: str) -> str:
    """The last path segment of an execution ARN: the EXECUTION operation's ``Id``."""
    return arn.rsplit("/", 1)[-1]


def callback_id(arn: str, operation_id: str) -> str:
    """The opaque id the SDK hands to the outside world."""
    raw = json.dumps([arn, operation_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_callback_id(value: str) -> tuple[str, str]:
    try:
        arn, operation_id = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError, TypeError):
        raise InvalidParameterValueError(f"CallbackId {value!r} is not a callback id of this service") from None
    return str(arn), str(operation_id)
