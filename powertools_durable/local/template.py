"""The functions of a SAM template, read the way ``sam local`` reads them, to run them like Lambda.

Only what a local run depends on is read (handler, code, runtime, layers, timeout, memory,
environment, ``DurableConfig``, ``TestingMetadata``), after merging ``Globals.Function``, with
intrinsics resolved by :mod:`.intrinsics` (parameters with ``--parameter-overrides``) and the
environment overridden by an ``--env-vars`` file (:mod:`.overrides`). Read and knowingly
ignored: ``Policies`` (and policy templates), ``Role``, ``Events``, ``Tracing`` (no X-Ray: a
trace header is set, never sampled), ``Architectures``, ``VpcConfig``, ``AutoPublishAlias``.
A template that cannot run locally is a :class:`TemplateError` naming the resource and field.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from powertools_durable.local.intrinsics import (
    LAYER_TYPES,
    NO_VALUE,
    Intrinsics,
    TemplateError,
    is_intrinsic,
    layer_ref,
)
from powertools_durable.local.overrides import EnvVars, env_value, function_env_overrides, load_env_vars
from powertools_durable.local.runtimes import find_python, runtime_version

__all__ = ["DurableSettings", "FunctionSpec", "Functions", "TemplateError", "TemplateWarning", "load_template"]

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY_SIZE = 128
DEFAULT_RETENTION_DAYS = 14
MAX_EXECUTION_TIMEOUT = 31_622_400
MAX_RETENTION_DAYS = 90

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


class TemplateWarning(UserWarning):
    """Something of the template the emulator does not run (a non-Python function, a layer by ARN)."""


@dataclass(frozen=True)
class DurableSettings:
    """A function's ``DurableConfig``."""

    execution_timeout: int
    retention_period_in_days: int


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` with ``Globals.Function`` merged in.

    ``interpreter`` is the Python that runs it (its ``Runtime``'s when found, see
    :mod:`.runtimes`); ``layers`` the directories its layers put on ``sys.path``.
    """

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
    layers: tuple[Path, ...] = ()
    interpreter: str | None = None


class Functions(dict[str, FunctionSpec]):
    """The template's functions by function name; ``get`` also finds one by its logical id."""

    def get(self, key: str, default: Any = None) -> Any:
        spec = super().get(key)
        if spec is None:
            spec = next((s for s in self.values() if s.logical_id == key), None)
        return default if spec is None else spec


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


def load_template(
    path: str | Path,
    *,
    region: str = "us-east-1",
    parameter_overrides: Mapping[str, Any] | None = None,
    env_vars: str | Path | Mapping[str, Any] | None = None,
) -> Functions:
    """Read every ``AWS::Serverless::Function`` of the template at ``path``, keyed by function name.

    ``region`` is ``AWS::Region``; ``parameter_overrides`` give parameters their values
    (``--parameter-overrides``); ``env_vars`` is an env-vars file or its content (``--env-vars``).

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
    _check_overrides(document, parameter_overrides or {})
    reader = _Reader(Intrinsics(document, region=region, overrides=parameter_overrides), path.parent, env_vars)
    globals_ = (document.get("Globals") or {}).get("Function") or {}
    functions = Functions()
    for logical_id, resource in document["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        properties = resource.get("Properties") or {}
        if not isinstance(properties, dict):
            raise TemplateError(f"{logical_id}: Properties must be a mapping")
        spec = reader.function(logical_id, resource, merge_globals(globals_, properties))
        if spec is None:
            continue
        if spec.function_name in functions:
            raise TemplateError(f"{logical_id}: FunctionName {spec.function_name!r} is used by another function")
        functions[spec.function_name] = spec
    return functions


def _check_overrides(document: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """An override of a parameter the template does not declare is likely a typo: warn (SAM CLI ignores it)."""
    declared = document.get("Parameters") or {}
    unknown = sorted(k for k in overrides if k not in declared and not k.startswith("AWS::"))
    if unknown:
        names = ", ".join(sorted(declared)) or "none"
        message = f"--parameter-overrides: {', '.join(unknown)} not in the template's Parameters ({names})"
        warnings.warn(message, TemplateWarning, stacklevel=3)


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
    return isinstance(value, dict) and not is_intrinsic(value)


class _Reader:
    """Reads the functions of one template with its intrinsics, directory and env-vars overrides."""

    def __init__(self, intrinsics: Intrinsics, base: Path, env_vars: str | Path | Mapping[str, Any] | None) -> None:
        self.intrinsics = intrinsics
        self.base = base
        self.env_vars: EnvVars = load_env_vars(env_vars)

    def scalar(self, value: Any, where: str) -> str | None:
        return self.intrinsics.scalar(value, where)

    def integer(self, value: Any, where: str) -> int:
        text = self.scalar(value, where) if not isinstance(value, bool) else None
        try:
            return int(str(text))
        except ValueError:
            raise TemplateError(f"{where} must be an integer, got {value!r}") from None

    def function(self, logical_id: str, resource: dict[str, Any], properties: dict[str, Any]) -> FunctionSpec | None:
        """The function as the emulator runs it; None (with a warning) for a runtime it does not run."""

        def field(name: str) -> str:
            return f"{logical_id}: {name}"

        def required(name: str) -> str:
            if name not in properties:
                raise TemplateError(f"{field(name)} is required")
            value = self.scalar(properties[name], field(name))
            if not value:
                raise TemplateError(f"{field(name)} must not be empty")
            return value

        if "InlineCode" in properties:
            raise TemplateError(f"{field('InlineCode')} is not supported by the emulator: use CodeUri")
        if properties.get("PackageType") == "Image":
            raise TemplateError(f"{field('PackageType')}: Image functions are not supported by the emulator")
        runtime = required("Runtime")
        if runtime_version(runtime) is None:
            warnings.warn(f"{field('Runtime')} {runtime} is not Python: the emulator skips it", TemplateWarning, 2)
            return None
        handler = required("Handler")
        if "." not in handler.strip("."):
            raise TemplateError(f"{field('Handler')} must be 'module.function', got {handler!r}")
        code_uri = self.directory(properties.get("CodeUri", "."), field("CodeUri"))
        timeout = self.integer(properties.get("Timeout", DEFAULT_TIMEOUT), field("Timeout"))
        if not 1 <= timeout <= 900:
            raise TemplateError(f"{field('Timeout')} must be 1..900 seconds, got {timeout}")
        memory = self.integer(properties.get("MemorySize", DEFAULT_MEMORY_SIZE), field("MemorySize"))
        if not 128 <= memory <= 10240:
            raise TemplateError(f"{field('MemorySize')} must be 128..10240 MB, got {memory}")
        metadata = resource.get("TestingMetadata") or {}
        if not isinstance(metadata, dict):
            raise TemplateError(f"{field('TestingMetadata')} must be a mapping")
        name = self.intrinsics.function_name(logical_id)
        return FunctionSpec(
            logical_id=logical_id,
            function_name=name,
            handler=handler,
            code_uri=code_uri,
            runtime=runtime,
            timeout=timeout,
            memory_size=memory,
            environment=self.environment(properties.get("Environment"), field("Environment"), logical_id, name),
            durable=self.durable(properties.get("DurableConfig"), field("DurableConfig")),
            testing_metadata=dict(metadata),
            layers=self.layers(properties.get("Layers"), field("Layers"), runtime),
            interpreter=find_python(runtime),
        )

    def directory(self, value: Any, where: str) -> Path:
        remote = isinstance(value, str) and value.startswith("s3://")
        if remote or (isinstance(value, dict) and not is_intrinsic(value)):
            raise TemplateError(f"{where} must be a local directory, got {value!r}")
        directory = (self.base / (self.scalar(value, where) or ".")).resolve()
        if not directory.is_dir():
            raise TemplateError(f"{where}: {directory} is not a directory")
        return directory

    def environment(self, value: Any, where: str, logical_id: str, function_name: str) -> dict[str, str]:
        """Template variables; the shell's value of a declared variable, then ``--env-vars``, win (as SAM CLI)."""
        if value is None:
            return {}
        if not _is_plain_mapping(value):
            raise TemplateError(f"{where} must be a mapping with Variables")
        variables = value.get("Variables") or {}
        if not _is_plain_mapping(variables):
            raise TemplateError(f"{where}.Variables must be a mapping of names to strings")
        overrides = function_env_overrides(self.env_vars, logical_id, function_name)
        environment: dict[str, str] = {}
        for key, raw in variables.items():
            name = str(key)
            if name in overrides:
                environment[name] = env_value(overrides[name])
            elif name in os.environ:
                environment[name] = os.environ[name]
            elif raw is None:
                raise TemplateError(f"{where}.Variables.{name} has no value")
            else:
                resolved = self.intrinsics.resolve(raw, f"{where}.Variables.{name}")
                if resolved is not NO_VALUE:
                    environment[name] = env_value(self._checked_scalar(resolved, f"{where}.Variables.{name}"))
        return environment

    @staticmethod
    def _checked_scalar(value: Any, where: str) -> Any:
        if isinstance(value, (dict, list)):
            raise TemplateError(f"{where} must be a string, got {type(value).__name__}")
        return value

    def durable(self, value: Any, where: str) -> DurableSettings | None:
        if value is None:
            return None
        if not _is_plain_mapping(value):
            raise TemplateError(f"{where} must be a mapping")
        if "ExecutionTimeout" not in value:
            raise TemplateError(f"{where}.ExecutionTimeout is required")
        timeout = self.integer(value["ExecutionTimeout"], f"{where}.ExecutionTimeout")
        if not 1 <= timeout <= MAX_EXECUTION_TIMEOUT:
            raise TemplateError(f"{where}.ExecutionTimeout must be 1..{MAX_EXECUTION_TIMEOUT} seconds, got {timeout}")
        retention = self.integer(
            value.get("RetentionPeriodInDays", DEFAULT_RETENTION_DAYS), f"{where}.RetentionPeriodInDays"
        )
        if not 1 <= retention <= MAX_RETENTION_DAYS:
            raise TemplateError(f"{where}.RetentionPeriodInDays must be 1..{MAX_RETENTION_DAYS} days, got {retention}")
        return DurableSettings(execution_timeout=timeout, retention_period_in_days=retention)

    def layers(self, value: Any, where: str, runtime: str) -> tuple[Path, ...]:
        """The ``sys.path`` entries of the function's local layers (Lambda's ``/opt/python`` ones)."""
        if value is None:
            return ()
        resolved = self.intrinsics.resolve(value, where)
        if not isinstance(resolved, list):
            raise TemplateError(f"{where} must be a list of layers")
        version = runtime_version(runtime) or (3, 13)
        entries: list[Path] = []
        for item in resolved:
            logical_id = layer_ref(item)
            resource = self.intrinsics.resources.get(logical_id or "")
            if logical_id is None or not isinstance(resource, dict) or resource.get("Type") not in LAYER_TYPES:
                message = f"{where}: layer {item!r} is not a layer of this template: its code is not on the path"
                warnings.warn(message, TemplateWarning, stacklevel=2)
                continue
            properties = resource.get("Properties") or {}
            content = properties.get("ContentUri", properties.get("Content"))
            root = self.directory(content, f"{logical_id}: ContentUri")
            python = root / "python"
            site = python / "lib" / f"python{version[0]}.{version[1]}" / "site-packages"
            found = [p for p in (python, site) if p.is_dir()]
            entries += found or [root]  # a layer not yet built: its sources are its modules
        return tuple(entries)
