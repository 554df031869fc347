"""CloudFormation intrinsic functions, resolved the way ``sam local`` resolves them (no deployed stack).

What a function sees locally must be what SAM CLI gives it (aws-sam-cli's IntrinsicsSymbolTable):
``Ref`` / ``GetAtt`` look up, in order, an override (``--parameter-overrides``), a pseudo
parameter, the parameter's ``Default``, a rule for the resource type, then the rule common to every
resource: ``Ref`` of a resource is its logical id, ``GetAtt X.Arn`` a Lambda-shaped ARN named by
the resource's ``FunctionName`` or logical id. Conditions, mappings, ``Sub``, ``Join``, ``Select``,
``Split``, ``If``, ``Equals``, ``And``, ``Or``, ``Not``, ``FindInMap`` and ``Base64`` evaluate
locally. What only a deployed stack knows (``ImportValue``, ``GetAZs``, another attribute than
``Arn``) is a :class:`TemplateError` that names the property, instead of a silently empty value.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from powertools_durable.local import arns

DEFAULT_REGION = arns.DEFAULT_REGION
# SAM CLI's DEFAULT_PSEUDO_PARAM_VALUES (AWS::Region comes from --region / AWS_REGION)
PSEUDO_PARAMETERS: dict[str, Any] = {
    "AWS::AccountId": arns.DEFAULT_ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::StackName": "local",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/local/51af3dc0-da77-11e4-872e-1234567db123",
    "AWS::URLSuffix": "localhost",
}
NO_VALUE_NAME = "AWS::NoValue"
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
LIST_PARAMETER = "CommaDelimitedList"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_OFFLINE_HINT = "give the value with --parameter-overrides (a parameter) or --env-vars (a variable)"


class TemplateError(ValueError):
    """The template cannot be run locally; the message names the resource and the field."""


class _NoValue:
    """``!Ref AWS::NoValue``: the property (or list item) is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


def is_intrinsic(value: Any) -> bool:
    """A one-key mapping whose key is ``Ref``, ``Condition`` or ``Fn::*`` (a value, never merged)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def layer_ref(value: Any) -> str | None:
    """The logical id of a local layer, as ``Ref`` of a layer resolves (SAM keeps ``{"Ref": id}``)."""
    if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        return value["Ref"]
    return None


class Intrinsics:
    """The intrinsic functions of one template, with its parameters, conditions and mappings.

    Parameters
    ----------
    document
        The whole template (``Parameters``, ``Conditions``, ``Mappings``, ``Resources``).
    region
        ``AWS::Region`` (SAM CLI: ``--region``, else ``AWS_REGION``, else us-east-1).
    overrides
        Parameter values (``--parameter-overrides``); they win over defaults and pseudo parameters.
    """

    def __init__(self, document: Mapping[str, Any], *, region: str, overrides: Mapping[str, Any] | None = None) -> None:
        self.parameters: dict[str, Any] = _mapping(document.get("Parameters"))
        self.resources: dict[str, Any] = _mapping(document.get("Resources"))
        self.mappings: dict[str, Any] = _mapping(document.get("Mappings"))
        self.conditions: dict[str, Any] = _mapping(document.get("Conditions"))
        defaults = {name: p["Default"] for name, p in self.parameters.items() if isinstance(p, dict) and "Default" in p}
        self.region = str((overrides or {}).get("AWS::Region") or region)
        self.symbols: dict[str, Any] = {**PSEUDO_PARAMETERS, "AWS::Region": self.region, **defaults}
        self.symbols.update(overrides or {})
        self._evaluated: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- values ---------------------------------------------------------------------------

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with every intrinsic function evaluated; :data:`NO_VALUE` items and keys removed."""
        if isinstance(value, list):
            items = [self.resolve(item, where) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if is_intrinsic(value):
            (function, argument), *_ = value.items()
            return self._function(function, argument, where)
        resolved = {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def scalar(self, value: Any, where: str) -> str | None:
        """``value`` resolved to a string (``true``/``false`` for booleans); None for ``AWS::NoValue``."""
        resolved = self.resolve(value, where)
        if resolved is NO_VALUE:
            return None
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if isinstance(resolved, (str, int, float)):
            return str(resolved)
        raise TemplateError(f"{where} must be a string, got {type(resolved).__name__}")

    def condition(self, name: Any, where: str) -> bool:
        """The value of the template's condition ``name`` (each evaluated once)."""
        if not isinstance(name, str) or name not in self.conditions:
            raise TemplateError(f"{where}: condition {name!r} is not in the template's Conditions")
        if name not in self._evaluated:
            if name in self._evaluating:
                raise TemplateError(f"{where}: condition {name} depends on itself")
            self._evaluating.add(name)
            try:
                self._evaluated[name] = self._boolean(self.conditions[name], f"Conditions.{name}")
            finally:
                self._evaluating.discard(name)
        return self._evaluated[name]

    def function_name(self, logical_id: str) -> str:
        """A function's name: its ``FunctionName`` when that resolves here, else its logical id."""
        properties = _mapping(_mapping(self.resources.get(logical_id)).get("Properties"))
        value = properties.get("FunctionName")
        if value is None:
            return logical_id
        try:
            return self.scalar(value, f"{logical_id}: FunctionName") or logical_id
        except TemplateError:
            return logical_id

    # -- functions ------------------------------------------------------------------------

    def _function(self, function: str, argument: Any, where: str) -> Any:
        handler = _FUNCTIONS.get(function)
        if handler is None:
            raise TemplateError(f"{where}: {function} cannot be resolved without a deployed stack; {_OFFLINE_HINT}")
        return handler(self, argument, where)

    def _ref(self, argument: Any, where: str) -> Any:
        name = self.resolve(argument, where)
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref needs a name, got {name!r}")
        if name == NO_VALUE_NAME:
            return NO_VALUE
        if name in self.symbols:
            value = self.symbols[name]
            declared = _mapping(self.parameters.get(name))
            if declared.get("Type") == LIST_PARAMETER and isinstance(value, str):
                return [item.strip() for item in value.split(",")]
            return value
        if name in self.parameters:
            raise TemplateError(
                f"{where}: parameter {name} has no Default: give it with --parameter-overrides {name}=<value>"
            )
        resource = self.resources.get(name)
        if isinstance(resource, dict):
            return {"Ref": name} if resource.get("Type") in LAYER_TYPES else name
        raise TemplateError(f"{where}: Ref {name} names no parameter, resource or pseudo parameter of the template")

    def _get_att(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        argument = self.resolve(argument, where)
        if not (isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument)):
            raise TemplateError(f"{where}: Fn::GetAtt needs [LogicalId, Attribute], got {argument!r}")
        return self._attribute(argument[0], argument[1], where)

    def _attribute(self, logical_id: str, attribute: str, where: str) -> Any:
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            raise TemplateError(f"{where}: GetAtt {logical_id}.{attribute}: no resource {logical_id} in the template")
        if resource.get("Type") == "AWS::ApiGateway::RestApi" and attribute == "RootResourceId":
            return "/"
        if attribute == "Arn":  # SAM CLI: a Lambda-shaped ARN for any resource
            account = self.symbols.get("AWS::AccountId", arns.DEFAULT_ACCOUNT)
            partition = self.symbols.get("AWS::Partition", "aws")
            name = self.function_name(logical_id)
            return f"arn:{partition}:lambda:{self.region}:{account}:function:{name}"
        raise TemplateError(
            f"{where}: GetAtt {logical_id}.{attribute} cannot be resolved without a deployed stack; {_OFFLINE_HINT}"
        )

    def _sub(self, argument: Any, where: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            argument, variables = argument
        text = self.resolve(argument, where)
        if not isinstance(text, str):
            raise TemplateError(f"{where}: Fn::Sub needs a string, got {text!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):  # ${!Literal} is the text ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name:
                logical_id, attribute = name.rsplit(".", 1)
                value = self._attribute(logical_id, attribute, where)
            else:
                value = self._ref(name, where)
            return self.scalar(value, f"{where} (${{{name}}})") or ""

        return _SUB_VARIABLE.sub(replace, text)

    def _join(self, argument: Any, where: str) -> str:
        argument = self.resolve(argument, where)
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list)):
            raise TemplateError(f"{where}: Fn::Join needs [delimiter, [values]], got {argument!r}")
        delimiter, items = argument
        return str(delimiter).join(self.scalar(item, where) or "" for item in items)

    def _select(self, argument: Any, where: str) -> Any:
        argument = self.resolve(argument, where)
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list)):
            raise TemplateError(f"{where}: Fn::Select needs [index, [values]], got {argument!r}")
        index, items = argument
        try:
            position = int(index)
            if position < 0:
                raise IndexError(position)
            return items[position]
        except (ValueError, TypeError, IndexError):
            raise TemplateError(f"{where}: Fn::Select index {index!r} is not in a list of {len(items)}") from None

    def _split(self, argument: Any, where: str) -> list[str]:
        argument = self.resolve(argument, where)
        if not (isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument)):
            raise TemplateError(f"{where}: Fn::Split needs [delimiter, string], got {argument!r}")
        delimiter, text = argument
        return str(text).split(str(delimiter))

    def _if(self, argument: Any, where: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(f"{where}: Fn::If needs [condition, value if true, value if false]")
        chosen = argument[1] if self.condition(self.resolve(argument[0], where), where) else argument[2]
        return self.resolve(chosen, where)

    def _find_in_map(self, argument: Any, where: str) -> Any:
        argument = self.resolve(argument, where)
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(f"{where}: Fn::FindInMap needs [MapName, TopLevelKey, SecondLevelKey]")
        value: Any = self.mappings
        for depth, key in enumerate(argument):
            if not isinstance(value, dict) or str(key) not in value:
                path = ".".join(str(k) for k in argument[: depth + 1])
                raise TemplateError(f"{where}: Fn::FindInMap: Mappings has no {path}")
            value = value[str(key)]
        return self.resolve(value, where)

    def _base64(self, argument: Any, where: str) -> str:
        text = self.scalar(argument, where) or ""
        return base64.b64encode(text.encode()).decode()

    # -- conditions -----------------------------------------------------------------------

    def _boolean(self, value: Any, where: str) -> bool:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(self.resolve(value["Condition"], where), where)
        result = self.resolve(value, where)
        if isinstance(result, bool):
            return result
        if isinstance(result, str) and result.lower() in ("true", "false"):
            return result.lower() == "true"
        raise TemplateError(f"{where} must be a condition (true or false), got {result!r}")

    def _equals(self, argument: Any, where: str) -> bool:
        argument = self.resolve(argument, where)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: Fn::Equals needs [value, value]")
        return bool(_comparable(argument[0]) == _comparable(argument[1]))

    def _and(self, argument: Any, where: str) -> bool:
        return all(self._boolean(item, where) for item in _conditions(argument, "Fn::And", where))

    def _or(self, argument: Any, where: str) -> bool:
        return any(self._boolean(item, where) for item in _conditions(argument, "Fn::Or", where))

    def _not(self, argument: Any, where: str) -> bool:
        items = _conditions(argument, "Fn::Not", where)
        if len(items) != 1:
            raise TemplateError(f"{where}: Fn::Not needs one condition")
        return not self._boolean(items[0], where)

    def _condition_function(self, argument: Any, where: str) -> bool:
        return self.condition(self.resolve(argument, where), where)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _comparable(value: Any) -> Any:
    """Values as ``Fn::Equals`` compares them: scalars by their text (``1`` equals ``"1"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _conditions(argument: Any, function: str, where: str) -> list[Any]:
    if not isinstance(argument, list) or not argument:
        raise TemplateError(f"{where}: {function} needs a list of conditions")
    return argument


_FUNCTIONS: dict[str, Any] = {
    "Ref": Intrinsics._ref,
    "Condition": Intrinsics._condition_function,
    "Fn::GetAtt": Intrinsics._get_att,
    "Fn::Sub": Intrinsics._sub,
    "Fn::Join": Intrinsics._join,
    "Fn::Select": Intrinsics._select,
    "Fn::Split": Intrinsics._split,
    "Fn::If": Intrinsics._if,
    "Fn::FindInMap": Intrinsics._find_in_map,
    "Fn::Base64": Intrinsics._base64,
    "Fn::Equals": Intrinsics._equals,
    "Fn::And": Intrinsics._and,
    "Fn::Or": Intrinsics._or,
    "Fn::Not": Intrinsics._not,
}
