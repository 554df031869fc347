"""The functions of a SAM template, read the way the emulator needs them to run like Lambda.

Only what a local run depends on is read (handler, code, timeout, memory, environment,
``DurableConfig``, ``TestingMetadata``), after merging ``Globals.Function``. Intrinsic
functions are resolved where the answer does not depend on a deployed stack (a parameter's
default, a pseudo parameter, a ``!Sub`` of those); anything else is a :class:`TemplateError`
that names the resource and the field, so a template that cannot run locally says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY_SIZE = 128
DEFAULT_RETENTION_DAYS = 14
MAX_EXECUTION_TIMEOUT = 31_622_400
MAX_RETENTION_DAYS = 90
PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}

# CloudFormation's short-form tags and the long-form key each stands for.
_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "GetAtt",
            "Sub",
            "Join",
            "If",
            "Select",
            "Split",
            "FindInMap",
            "ImportValue",
            "GetAZs",
            "Base64",
            "Equals",
            "Not",
            "And",
            "Or",
            "Cidr",
            "Transform",
            "Length",
            "ToJsonString",
        )
    },
}
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(ValueError):
    """The template cannot be run locally; the message names the resource and the field."""


@dataclass(frozen=True)
class DurableSettings:
    """A function's ``DurableConfig``."""

    execution_timeout: int
    retention_period_in_days: int


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` with ``Globals.Function`` merged in."""

    logical_id: str
    function_name: str
    handler: str
    code_uri: Path
    runtime: str
    timeout: int
    memory_size: int
    environment: dict[str, str]
    durable: DurableSettings | None
    testing_metadata: dict[str, Any]


class CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader reading ``!Ref x`` as ``{"Ref": "x"}``, ``!GetAtt a.b`` as ``{"Fn::GetAtt": [a, b]}``."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _SHORT_TAGS.get(tag_suffix)
    if key is None:
        raise yaml.constructor.ConstructorError(None, None, f"unknown tag !{tag_suffix}", node.start_mark)
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_yaml(text: str) -> Any:
    """Parse a CloudFormation/SAM template (YAML or JSON) with short-form tags in long form."""
    return yaml.load(text, Loader=CloudFormationLoader)  # a SafeLoader subclass


def load_template(path: str | Path, *, region: str = "us-east-1") -> dict[str, FunctionSpec]:
    """Read every ``AWS::Serverless::Function`` of the template at ``path``, keyed by function name.

    ``region`` resolves ``AWS::Region`` where the template uses it.

    Raises
    ------
    TemplateError
        A function the emulator cannot run as written (the message names resource and field),
        or a file that is not a template.
    """
    path = Path(path)
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot read the template: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    resolver = _Resolver(_parameter_defaults(document), region)
    globals_ = (document.get("Globals") or {}).get("Function") or {}
    functions: dict[str, FunctionSpec] = {}
    for logical_id, resource in document["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        properties = resource.get("Properties") or {}
        if not isinstance(properties, dict):
            raise TemplateError(f"{logical_id}: Properties must be a mapping")
        spec = _read_function(logical_id, resource, merge_globals(globals_, properties), path.parent, resolver)
        if spec.function_name in functions:
            raise TemplateError(f"{logical_id}: FunctionName {spec.function_name!r} is used by another function")
        functions[spec.function_name] = spec
    return functions


def merge_globals(globals_: Any, properties: dict[str, Any]) -> dict[str, Any]:
    """SAM's rule: mappings merge key by key, lists concatenate, anything else the resource wins."""
    merged = _merge(globals_, properties)
    result: dict[str, Any] = merged if isinstance(merged, dict) else dict(properties)
    return result


def _merge(global_value: Any, local_value: Any) -> Any:
    if _is_plain_mapping(global_value) and _is_plain_mapping(local_value):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = _merge(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def _is_plain_mapping(value: Any) -> bool:
    """A mapping that is not an intrinsic function (those are values, never merged)."""
    return isinstance(value, dict) and not (len(value) == 1 and _is_intrinsic_key(next(iter(value))))


def _is_intrinsic_key(key: Any) -> bool:
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def _parameter_defaults(document: dict[str, Any]) -> dict[str, Any]:
    parameters = document.get("Parameters") or {}
    return {name: p["Default"] for name, p in parameters.items() if isinstance(p, dict) and "Default" in p}


class _Resolver:
    """Resolves the intrinsic functions whose value is known without a deployed stack."""

    def __init__(self, parameters: dict[str, Any], region: str) -> None:
        self.names: dict[str, Any] = {**PSEUDO_PARAMETERS, "AWS::Region": region, **parameters}

    def scalar(self, value: Any, where: str) -> str | None:
        """``value`` as a string; None for ``AWS::NoValue`` (the key is dropped, as CloudFormation does)."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if _is_plain_mapping(value) or not isinstance(value, dict):
            raise TemplateError(f"{where} must be a string, got {type(value).__name__}")
        (function, argument), *_ = value.items()
        if function == "Ref":
            if argument == "AWS::NoValue":
                return None
            if argument in self.names:
                return self.scalar(self.names[argument], where)
            raise TemplateError(
                f"{where}: !Ref {argument} names neither a parameter with a Default nor a known pseudo parameter"
            )
        if function == "Fn::Sub":
            return self._sub(argument, where)
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            delimiter, items = argument
            if isinstance(items, list):
                parts = [self.scalar(item, where) for item in items]
                return str(delimiter).join(p for p in parts if p is not None)
        raise TemplateError(f"{where}: {function} cannot be resolved without a deployed stack")

    def _sub(self, argument: Any, where: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            argument, variables = argument
        if not isinstance(argument, str):
            raise TemplateError(f"{where}: Fn::Sub needs a string")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                value = self.scalar(variables[name], where)
            elif name in self.names:
                value = self.scalar(self.names[name], where)
            else:
                raise TemplateError(
                    f"{where}: Fn::Sub variable ${{{name}}} cannot be resolved without a deployed stack"
                )
            return value or ""

        return _SUB_VARIABLE.sub(replace, argument).replace("${!", "${")

    def integer(self, value: Any, where: str) -> int:
        text = self.scalar(value, where) if not isinstance(value, bool) else None
        try:
            return int(str(text))
        except ValueError:
            raise TemplateError(f"{where} must be an integer, got {value!r}") from None


def _read_function(
    logical_id: str, resource: dict[str, Any], properties: dict[str, Any], base: Path, resolver: _Resolver
) -> FunctionSpec:
    def field(name: str) -> str:
        return f"{logical_id}: {name}"

    def required(name: str) -> str:
        if name not in properties:
            raise TemplateError(f"{field(name)} is required")
        value = resolver.scalar(properties[name], field(name))
        if not value:
            raise TemplateError(f"{field(name)} must not be empty")
        return value

    if "InlineCode" in properties:
        raise TemplateError(f"{field('InlineCode')} is not supported by the emulator: use CodeUri")
    if properties.get("PackageType") == "Image":
        raise TemplateError(f"{field('PackageType')}: Image functions are not supported by the emulator")
    handler = required("Handler")
    if "." not in handler.strip("."):
        raise TemplateError(f"{field('Handler')} must be 'module.function', got {handler!r}")
    code = properties.get("CodeUri", ".")
    if isinstance(code, dict) or (isinstance(code, str) and code.startswith("s3://")):
        raise TemplateError(f"{field('CodeUri')} must be a local directory, got {code!r}")
    code_uri = (base / (resolver.scalar(code, field("CodeUri")) or ".")).resolve()
    if not code_uri.is_dir():
        raise TemplateError(f"{field('CodeUri')}: {code_uri} is not a directory")
    timeout = resolver.integer(properties.get("Timeout", DEFAULT_TIMEOUT), field("Timeout"))
    if not 1 <= timeout <= 900:
        raise TemplateError(f"{field('Timeout')} must be 1..900 seconds, got {timeout}")
    memory = resolver.integer(properties.get("MemorySize", DEFAULT_MEMORY_SIZE), field("MemorySize"))
    if not 128 <= memory <= 10240:
        raise TemplateError(f"{field('MemorySize')} must be 128..10240 MB, got {memory}")
    metadata = resource.get("TestingMetadata") or {}
    if not isinstance(metadata, dict):
        raise TemplateError(f"{field('TestingMetadata')} must be a mapping")
    return FunctionSpec(
        logical_id=logical_id,
        function_name=_function_name(logical_id, properties.get("FunctionName"), resolver),
        handler=handler,
        code_uri=code_uri,
        runtime=required("Runtime"),
        timeout=timeout,
        memory_size=memory,
        environment=_environment(properties.get("Environment"), field("Environment"), resolver),
        durable=_durable(properties.get("DurableConfig"), field("DurableConfig"), resolver),
        testing_metadata=dict(metadata),
    )


def _function_name(logical_id: str, value: Any, resolver: _Resolver) -> str:
    """FunctionName when it resolves to a string here; the logical id otherwise (as the contract says)."""
    if value is None:
        return logical_id
    try:
        return resolver.scalar(value, f"{logical_id}: FunctionName") or logical_id
    except TemplateError:
        return logical_id


def _environment(value: Any, where: str, resolver: _Resolver) -> dict[str, str]:
    if value is None:
        return {}
    if not _is_plain_mapping(value):
        raise TemplateError(f"{where} must be a mapping with Variables")
    variables = value.get("Variables") or {}
    if not _is_plain_mapping(variables):
        raise TemplateError(f"{where}.Variables must be a mapping of names to strings")
    environment: dict[str, str] = {}
    for name, raw in variables.items():
        if raw is None:
            raise TemplateError(f"{where}.Variables.{name} has no value")
        resolved = resolver.scalar(raw, f"{where}.Variables.{name}")
        if resolved is not None:
            environment[str(name)] = resolved
    return environment


def _durable(value: Any, where: str, resolver: _Resolver) -> DurableSettings | None:
    if value is None:
        return None
    if not _is_plain_mapping(value):
        raise TemplateError(f"{where} must be a mapping")
    if "ExecutionTimeout" not in value:
        raise TemplateError(f"{where}.ExecutionTimeout is required")
    timeout = resolver.integer(value["ExecutionTimeout"], f"{where}.ExecutionTimeout")
    if not 1 <= timeout <= MAX_EXECUTION_TIMEOUT:
        raise TemplateError(f"{where}.ExecutionTimeout must be 1..{MAX_EXECUTION_TIMEOUT} seconds, got {timeout}")
    retention = resolver.integer(
        value.get("RetentionPeriodInDays", DEFAULT_RETENTION_DAYS), f"{where}.RetentionPeriodInDays"
    )
    if not 1 <= retention <= MAX_RETENTION_DAYS:
        raise TemplateError(f"{where}.RetentionPeriodInDays must be 1..{MAX_RETENTION_DAYS} days, got {retention}")
    return DurableSettings(execution_timeout=timeout, retention_period_in_days=retention)
