"""Intrinsics as ``sam local`` resolves them; --parameter-overrides and --env-vars as SAM CLI reads them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.clock import ScaledClock
from powertools_durable.local.executions import ExecutionService
from powertools_durable.local.intrinsics import NO_VALUE, Intrinsics, TemplateError
from powertools_durable.local.overrides import load_env_vars, parse_parameter_overrides
from powertools_durable.local.store import SQLiteStore
from powertools_durable.local.template import TemplateWarning, load_template, load_yaml

DOCUMENT = load_yaml(
    textwrap.dedent(
        """
        Parameters:
          Stage: {Type: String, Default: dev}
          Required: {Type: String}
          Names: {Type: CommaDelimitedList, Default: "a, b,c"}
        Mappings:
          StageConfig:
            dev: {Retention: 3, Bucket: dev-bucket}
            prod: {Retention: 30, Bucket: prod-bucket}
        Conditions:
          IsProd: !Equals [!Ref Stage, prod]
          IsDev: !Not [!Condition IsProd]
          Both: !And [!Condition IsDev, !Equals ["1", 1]]
          Either: !Or [!Condition IsProd, !Condition Both]
          Loop: !Condition Loop
        Resources:
          Orders: {Type: AWS::DynamoDB::Table}
          Queue: {Type: AWS::SQS::Queue}
          Target: {Type: AWS::Serverless::Function, Properties: {FunctionName: target-fn}}
          Plain: {Type: AWS::Serverless::Function}
          Api: {Type: AWS::ApiGateway::RestApi}
          Shared: {Type: AWS::Serverless::LayerVersion}
        """
    )
)


def resolve(value: str, **overrides: Any) -> Any:
    return Intrinsics(DOCUMENT, region="eu-west-1", overrides=overrides).resolve(load_yaml(value), "X")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("!Ref Orders", "Orders"),  # a resource: its logical id
        ("!Ref Queue", "Queue"),
        ("!Ref Stage", "dev"),
        ("!Ref Names", ["a", "b", "c"]),  # a CommaDelimitedList is a list
        ("!Ref AWS::Region", "eu-west-1"),
        ("!Ref AWS::AccountId", "123456789012"),
        ("!Ref AWS::StackName", "local"),
        ("!Ref AWS::Partition", "aws"),
        ("!Ref AWS::URLSuffix", "localhost"),  # what SAM CLI 1.170's symbol table holds
        ("!GetAtt Target.Arn", "arn:aws:lambda:eu-west-1:123456789012:function:target-fn"),
        ("!GetAtt Plain.Arn", "arn:aws:lambda:eu-west-1:123456789012:function:Plain"),
        ("!GetAtt Orders.Arn", "arn:aws:lambda:eu-west-1:123456789012:function:Orders"),  # SAM CLI: any Arn
        ("!GetAtt Api.RootResourceId", "/"),
        ('!Sub "${Target.Arn}:$LATEST"', "arn:aws:lambda:eu-west-1:123456789012:function:target-fn:$LATEST"),
        ('!Sub "${Orders}-${Stage}-${AWS::Region}-${!Kept}"', "Orders-dev-eu-west-1-${Kept}"),
        ('!Sub ["${A}/${B}", {A: !Ref Stage, B: x}]', "dev/x"),
        ('!Join ["-", [a, !Ref Stage, 3]]', "a-dev-3"),
        ('!Join [",", !Ref Names]', "a,b,c"),
        ('!Select [1, !Split [",", "x,y,z"]]', "y"),
        ("!Select [0, !Ref Names]", "a"),
        ("!If [IsProd, big, small]", "small"),
        ("!If [IsDev, !Ref Stage, !ImportValue never-evaluated]", "dev"),
        ("!If [Either, left, right]", "left"),
        ("!FindInMap [StageConfig, !Ref Stage, Retention]", 3),
        ("!Base64 hello", "aGVsbG8="),
        ("[a, !Ref AWS::NoValue, b]", ["a", "b"]),
        ("{Keep: 1, Drop: !Ref AWS::NoValue}", {"Keep": 1}),
    ],
)
def test_intrinsics_resolve_as_sam_local_does(expression: str, expected: Any) -> None:
    # GIVEN an expression of the template / WHEN resolved / THEN it has SAM CLI's local value
    assert resolve(expression) == expected


def test_overrides_win_over_defaults_and_pseudo_parameters() -> None:
    # GIVEN overrides of a parameter, the parameter without default, and AWS::Region
    overrides = {"Stage": "prod", "Required": "given", "AWS::Region": "ap-south-1"}
    # WHEN resolved / THEN the overrides are used everywhere, conditions included
    assert resolve("!Ref Stage", **overrides) == "prod"
    assert resolve("!Ref Required", **overrides) == "given"
    assert resolve("!If [IsProd, big, small]", **overrides) == "big"
    assert resolve("!FindInMap [StageConfig, !Ref Stage, Bucket]", **overrides) == "prod-bucket"
    assert resolve("!GetAtt Plain.Arn", **overrides) == "arn:aws:lambda:ap-south-1:123456789012:function:Plain"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("!Ref Required", "X: parameter Required has no Default: give it with --parameter-overrides Required=<value>"),
        ("!Ref Missing", "X: Ref Missing names no parameter, resource or pseudo parameter of the template"),
        ("!GetAtt Queue.QueueUrl", "X: GetAtt Queue.QueueUrl cannot be resolved without a deployed stack; give"),
        ("!ImportValue Shared", "X: Fn::ImportValue cannot be resolved without a deployed stack"),
        ("!GetAZs ''", "X: Fn::GetAZs cannot be resolved without a deployed stack"),
        ("!If [Nope, a, b]", "X: condition 'Nope' is not in the template's Conditions"),
        ("!If [Loop, a, b]", "Conditions.Loop: condition Loop depends on itself"),
        ("!FindInMap [StageConfig, qa, Retention]", "X: Fn::FindInMap: Mappings has no StageConfig.qa"),
        ("!Select [5, [a]]", "X: Fn::Select index 5 is not in a list of 1"),
    ],
)
def test_what_needs_a_deployed_stack_is_an_error_naming_the_property(expression: str, message: str) -> None:
    # GIVEN an expression that cannot be known offline / WHEN resolved / THEN the error names it
    with pytest.raises(TemplateError) as error:
        resolve(expression)
    assert str(error.value).startswith(message)


def test_a_layer_ref_stays_a_ref_and_no_value_is_the_sentinel() -> None:
    # GIVEN a Ref to a layer and a bare AWS::NoValue / WHEN resolved / THEN SAM's shapes
    assert resolve("!Ref Shared") == {"Ref": "Shared"}
    assert resolve("!Ref AWS::NoValue") is NO_VALUE


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("Stage=prod Greeting='hello there'", {"Stage": "prod", "Greeting": "hello there"}),
        (["ParameterKey=Stage,ParameterValue=prod", "Empty="], {"Stage": "prod", "Empty": ""}),
        ("ParameterKey=List,ParameterValue=a,b", {"List": "a,b"}),
        ("Url=https://x?a=b", {"Url": "https://x?a=b"}),
        (None, {}),
    ],
)
def test_parameter_overrides_take_both_sam_forms(values: Any, expected: dict[str, str]) -> None:
    assert parse_parameter_overrides(values) == expected


@pytest.mark.parametrize("values", ["Stage", "=x", "Bad-Key=1", "Stage='unterminated"])
def test_a_malformed_parameter_override_is_named(values: str) -> None:
    with pytest.raises(TemplateError, match="--parameter-overrides"):
        parse_parameter_overrides(values)


def test_env_vars_file_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    # GIVEN a file that is not JSON, one whose entry is not a mapping, and a missing file
    bad_json, bad_entry = tmp_path / "bad.json", tmp_path / "entry.json"
    bad_json.write_text("{nope")
    bad_entry.write_text(json.dumps({"Fn": "TABLE=x"}))
    # WHEN read / THEN each error says what is wrong and where
    with pytest.raises(TemplateError, match=r"--env-vars .*bad\.json: not JSON"):
        load_env_vars(bad_json)
    with pytest.raises(TemplateError, match="Fn must map variable names to values, got str"):
        load_env_vars(bad_entry)
    with pytest.raises(TemplateError, match="cannot read it"):
        load_env_vars(tmp_path / "absent.json")


def test_env_vars_override_declared_variables_only_function_entry_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two functions declaring variables, one of them unresolvable offline, and an env-vars file
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent(
            """
            Globals:
              Function: {Runtime: python3.13, CodeUri: src/, Handler: app.handler}
            Resources:
              Queue: {Type: AWS::SQS::Queue}
              One:
                Type: AWS::Serverless::Function
                Properties:
                  Environment:
                    Variables: {QUEUE_URL: !GetAtt Queue.QueueUrl, LEVEL: INFO, FLAG: x, FROM_SHELL: template}
              Two:
                Type: AWS::Serverless::Function
                Properties:
                  FunctionName: two-fn
                  Environment: {Variables: {LEVEL: INFO}}
            """
        )
    )
    env_vars = {
        "Parameters": {"LEVEL": "DEBUG", "UNDECLARED": "never set", "FLAG": True},
        "One": {"QUEUE_URL": "http://localhost:9324/queue/orders", "LEVEL": 1},
    }
    monkeypatch.setenv("FROM_SHELL", "shell")  # SAM CLI: the shell's value of a declared variable wins
    # WHEN loaded with the overrides
    functions = load_template(tmp_path / "template.yaml", env_vars=env_vars)
    # THEN the function's entry wins over Parameters, values are strings, undeclared ones are not set
    assert functions["One"].environment == {
        "QUEUE_URL": "http://localhost:9324/queue/orders",
        "LEVEL": "1",
        "FLAG": "true",
        "FROM_SHELL": "shell",
    }
    assert functions["two-fn"].environment == {"LEVEL": "DEBUG"}


def test_unknown_parameter_override_warns_and_non_python_runtime_is_skipped(tmp_path: Path) -> None:
    # GIVEN a template with a Node function and an override of a parameter it does not declare
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Node:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: nodejs22.x, CodeUri: src/, Handler: app.handler}\n"
    )
    # WHEN loaded / THEN both are warnings naming the problem, and no function is served
    with pytest.warns(TemplateWarning) as warned:
        functions = load_template(tmp_path / "template.yaml", parameter_overrides={"Stgae": "prod"})
    assert functions == {}
    messages = [str(w.message) for w in warned]
    assert any("Stgae not in the template's Parameters (none)" in m for m in messages)
    assert any("Node: Runtime nodejs22.x is not Python" in m for m in messages)


def test_layers_put_their_python_directories_on_the_path(tmp_path: Path) -> None:
    # GIVEN a built layer (python/...), a source layer (modules at its root) and a layer by ARN
    for path in ("src", "built/python/lib/python3.13/site-packages", "source"):
        (tmp_path / path).mkdir(parents=True)
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent(
            """
            Globals:
              Function:
                Layers: [!Ref Built]
            Resources:
              Built: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: built/}}
              Source: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: source/}}
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.13
                  CodeUri: src/
                  Handler: app.handler
                  Layers: [!Ref Source, "arn:aws:lambda:us-east-1:017000801446:layer:Powertools:1"]
            """
        )
    )
    # WHEN loaded
    with pytest.warns(TemplateWarning, match="is not a layer of this template"):
        spec = load_template(tmp_path / "template.yaml")["Fn"]
    # THEN Globals' layer comes first (lists concatenate), each with Lambda's /opt/python entries
    built = tmp_path.resolve() / "built" / "python"
    assert spec.layers == (built, built / "lib" / "python3.13" / "site-packages", tmp_path.resolve() / "source")


@pytest.mark.parametrize(
    "identifier",
    [
        "pricing",  # FunctionName
        "Pricing",  # logical id
        "arn:aws:lambda:eu-west-1:123456789012:function:pricing",  # !GetAtt Pricing.Arn
        "arn:aws:lambda:eu-west-1:123456789012:function:pricing:$LATEST",  # !Sub "${Pricing.Arn}:$LATEST"
        "123456789012:function:pricing",
    ],
)
def test_every_form_of_a_template_functions_arn_finds_it(tmp_path: Path, identifier: str) -> None:
    # GIVEN a function named by FunctionName, and the emulator's service over the template
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Pricing:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      {FunctionName: pricing, Runtime: python3.13, CodeUri: src/, Handler: app.handler}\n"
    )
    functions = load_template(tmp_path / "template.yaml", region="eu-west-1")
    clock = ScaledClock()
    try:
        service = ExecutionService(SQLiteStore(":memory:"), clock, functions, region="eu-west-1")
        # WHEN a chained invoke (or an Invoke) names it / THEN it is that function
        spec, _ = service.function(identifier)
    finally:
        clock.close()
    assert spec is functions["pricing"]


def test_a_functions_own_condition_does_not_hide_it(tmp_path: Path) -> None:
    # GIVEN a function whose resource Condition is false (sam local serves it all the same)
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(
        "Conditions:\n  Never: !Equals [a, b]\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Condition: Never\n    Properties: {Runtime: python3.13, CodeUri: src/, Handler: app.handler}\n"
    )
    # WHEN loaded / THEN it is there
    assert list(load_template(tmp_path / "template.yaml")) == ["Fn"]
