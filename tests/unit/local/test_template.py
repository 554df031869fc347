"""Reading SAM templates: short-form tags, Globals, intrinsics, DurableConfig ranges, errors."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from powertools_durable.local.template import DurableSettings, TemplateError, load_template, load_yaml

REPO_ROOT = Path(__file__).resolve().parents[3]


def write_template(tmp_path: Path, body: str) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def one_function(tmp_path: Path, properties: str, *, extra: str = "", resource_extra: str = "") -> Path:
    """A template with one function ``Fn`` whose Properties are ``properties`` (indented by the caller's dedent)."""
    props = textwrap.indent(textwrap.dedent(properties), " " * 6)
    res = textwrap.indent(textwrap.dedent(resource_extra), " " * 4)
    return write_template(
        tmp_path,
        f"Transform: AWS::Serverless-2016-10-31\n{textwrap.dedent(extra)}\nResources:\n"
        f"  Fn:\n    Type: AWS::Serverless::Function\n{res}    Properties:\n"
        f"      Handler: app.handler\n      Runtime: python3.13\n      CodeUri: src/\n{props}",
    )


def test_short_form_tags_load_as_long_form():
    # GIVEN every CloudFormation short-form tag, in scalar, sequence and mapping form
    text = """
    a: !Ref Param
    b: !GetAtt Res.Arn
    c: !GetAtt [Res, Arn]
    d: !Sub "${AWS::Region}-x"
    e: !Sub ["${X}", {X: !Ref Y}]
    f: !Join [",", [a, b]]
    g: !If [Cond, 1, 2]
    h: !Select [0, !Split [",", "a,b"]]
    i: !FindInMap [M, K, V]
    j: !ImportValue Exported
    k: !GetAZs ""
    l: !Base64 text
    m: !Equals [a, b]
    n: !Not [!Condition C]
    o: !And [!Condition A, !Condition B]
    p: !Or [!Condition A, !Condition B]
    q: !Cidr [10.0.0.0/16, 4, 8]
    """
    # WHEN it is loaded
    data = load_yaml(textwrap.dedent(text))
    # THEN each tag is its long form
    assert data == {
        "a": {"Ref": "Param"},
        "b": {"Fn::GetAtt": ["Res", "Arn"]},
        "c": {"Fn::GetAtt": ["Res", "Arn"]},
        "d": {"Fn::Sub": "${AWS::Region}-x"},
        "e": {"Fn::Sub": ["${X}", {"X": {"Ref": "Y"}}]},
        "f": {"Fn::Join": [",", ["a", "b"]]},
        "g": {"Fn::If": ["Cond", 1, 2]},
        "h": {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
        "i": {"Fn::FindInMap": ["M", "K", "V"]},
        "j": {"Fn::ImportValue": "Exported"},
        "k": {"Fn::GetAZs": ""},
        "l": {"Fn::Base64": "text"},
        "m": {"Fn::Equals": ["a", "b"]},
        "n": {"Fn::Not": [{"Condition": "C"}]},
        "o": {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
        "p": {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]},
        "q": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
    }


def test_function_fields_defaults_and_code_uri_relative_to_template(tmp_path):
    # GIVEN a minimal function
    path = one_function(tmp_path, "")
    # WHEN the template is loaded from another working directory
    (spec,) = load_template(str(path)).values()
    # THEN SAM's defaults apply and CodeUri is absolute, under the template's directory
    assert spec.logical_id == spec.function_name == "Fn"
    assert spec.handler == "app.handler"
    assert spec.code_uri == (tmp_path / "src").resolve()
    assert (spec.runtime, spec.timeout, spec.memory_size) == ("python3.13", 3, 128)
    assert spec.environment == {}
    assert spec.durable is None
    assert spec.testing_metadata == {}


def test_globals_merge_resource_wins_and_variables_merge_key_by_key(tmp_path):
    # GIVEN Globals with a timeout, memory and two variables; the resource overrides one of each
    path = one_function(
        tmp_path,
        """
        Timeout: 20
        Environment:
          Variables:
            SHARED: from-function
            OWN: mine
        """,
        extra="""
        Globals:
          Function:
            Timeout: 10
            MemorySize: 512
            Environment:
              Variables:
                SHARED: from-globals
                GLOBAL_ONLY: g
        """,
    )
    # WHEN loaded
    spec = load_template(path)["Fn"]
    # THEN the resource wins, the rest comes from Globals, and variables are merged
    assert spec.timeout == 20
    assert spec.memory_size == 512
    assert spec.environment == {"SHARED": "from-function", "OWN": "mine", "GLOBAL_ONLY": "g"}


def test_environment_values_are_strings_and_resolvable_intrinsics_resolve(tmp_path):
    # GIVEN variables of every scalar type, a parameter !Ref, !Sub of pseudo parameters, !Join, NoValue
    path = one_function(
        tmp_path,
        """
        Environment:
          Variables:
            NUMBER: 5
            FLAG: true
            FLOAT: 1.5
            PARAM: !Ref Stage
            REGION: !Sub "${AWS::Region}"
            PLAIN_SUB: !Sub "no variables"
            SUB_PARAM: !Sub "table-${Stage}-${AWS::AccountId}"
            SUB_VARS: !Sub ["${A}-${!Literal}", {A: !Ref Stage}]
            JOINED: !Join ["-", [a, !Ref Stage]]
            DROPPED: !Ref AWS::NoValue
        """,
        extra="""
        Parameters:
          Stage:
            Type: String
            Default: dev
        """,
    )
    # WHEN loaded for eu-west-1
    spec = load_template(path, region="eu-west-1")["Fn"]
    # THEN every value is a string, intrinsics resolved, NoValue dropped
    assert spec.environment == {
        "NUMBER": "5",
        "FLAG": "true",
        "FLOAT": "1.5",
        "PARAM": "dev",
        "REGION": "eu-west-1",
        "PLAIN_SUB": "no variables",
        "SUB_PARAM": "table-dev-123456789012",
        "SUB_VARS": "dev-${Literal}",
        "JOINED": "a-dev",
    }


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("!GetAtt Table.Arn", "GetAtt Table.Arn: no resource Table in the template"),
        ("!Ref Table", "Ref Table names no parameter, resource or pseudo parameter"),
        ('!Sub "${Table.Arn}"', "no resource Table"),
        ("!ImportValue Shared", "Fn::ImportValue cannot be resolved without a deployed stack; give the value with"),
        ("!GetAZs ''", "Fn::GetAZs cannot be resolved"),
        ("[a, b]", "must be a string, got list"),
    ],
)
def test_unresolvable_environment_value_names_resource_and_field(tmp_path, value, fragment):
    # GIVEN a variable whose value needs a deployed stack
    path = one_function(tmp_path, f"Environment:\n  Variables:\n    TABLE: {value}\n")
    # WHEN loaded / THEN the error names the resource and the variable
    with pytest.raises(TemplateError) as error:
        load_template(path)
    assert str(error.value).startswith("Fn: Environment.Variables.TABLE")
    assert fragment in str(error.value)


def test_durable_config_is_read_with_default_retention(tmp_path):
    # GIVEN a DurableConfig with only its timeout
    path = one_function(tmp_path, "DurableConfig:\n  ExecutionTimeout: 3600\n")
    # WHEN loaded / THEN the retention is 14 days, SAM's and Lambda's default
    assert load_template(path)["Fn"].durable == DurableSettings(execution_timeout=3600, retention_period_in_days=14)


@pytest.mark.parametrize(
    ("durable", "message"),
    [
        ("ExecutionTimeout: 0", "Fn: DurableConfig.ExecutionTimeout must be 1..31622400 seconds, got 0"),
        ("ExecutionTimeout: 31622401", "Fn: DurableConfig.ExecutionTimeout must be 1..31622400 seconds, got 31622401"),
        ("{ExecutionTimeout: 60, RetentionPeriodInDays: 0}", "Fn: DurableConfig.RetentionPeriodInDays must be 1..90"),
        ("{ExecutionTimeout: 60, RetentionPeriodInDays: 91}", "Fn: DurableConfig.RetentionPeriodInDays must be 1..90"),
        ("{RetentionPeriodInDays: 3}", "Fn: DurableConfig.ExecutionTimeout is required"),
        ("ExecutionTimeout: soon", "Fn: DurableConfig.ExecutionTimeout must be an integer"),
    ],
)
def test_durable_config_ranges_are_checked(tmp_path, durable, message):
    # GIVEN a DurableConfig out of Lambda's ranges (cfn-lint does not check them)
    path = one_function(
        tmp_path, f"DurableConfig: {durable}\n" if durable.startswith("{") else f"DurableConfig:\n  {durable}\n"
    )
    # WHEN loaded / THEN the error names resource, field and bounds
    with pytest.raises(TemplateError, match="^" + re.escape(message)):
        load_template(path)


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("Timeout: 0\n", "Fn: Timeout must be 1..900 seconds, got 0"),
        ("MemorySize: 64\n", "Fn: MemorySize must be 128..10240 MB, got 64"),
        ("CodeUri: missing/\n", "Fn: CodeUri: "),
        ("CodeUri: s3://bucket/key.zip\n", "Fn: CodeUri must be a local directory"),
        ("InlineCode: x\n", "Fn: InlineCode is not supported"),
    ],
)
def test_invalid_function_fields_name_resource_and_field(tmp_path, properties, message):
    # GIVEN a function with one bad field (later keys win in YAML, so CodeUri may be overridden)
    path = one_function(tmp_path, properties)
    # WHEN loaded / THEN the message says which resource and field
    with pytest.raises(TemplateError) as error:
        load_template(path)
    assert str(error.value).startswith(message)


def test_missing_handler_is_named(tmp_path):
    # GIVEN a function without a Handler
    path = write_template(
        tmp_path,
        """
        Resources:
          NoHandler:
            Type: AWS::Serverless::Function
            Properties: {Runtime: python3.13, CodeUri: src/}
        """,
    )
    # WHEN loaded / THEN the error names it
    with pytest.raises(TemplateError, match=r"^NoHandler: Handler is required$"):
        load_template(path)


def test_function_name_testing_metadata_and_other_resources(tmp_path):
    # GIVEN a named function with TestingMetadata (a resource-level key), another whose name needs the stack,
    # and a non-function resource
    path = write_template(
        tmp_path,
        """
        Resources:
          Named:
            Type: AWS::Serverless::Function
            TestingMetadata:
              TestDescription: ["1-1"]
            Properties: {Handler: app.handler, Runtime: python3.13, CodeUri: src/, FunctionName: my-fn}
          StackNamed:
            Type: AWS::Serverless::Function
            Properties:
              Handler: pkg.mod.handler
              Runtime: python3.13
              CodeUri: src/
              FunctionName: !Sub "${AWS::StackName}-fn"
          Table:
            Type: AWS::DynamoDB::Table
        """,
    )
    # WHEN loaded
    functions = load_template(path)
    # THEN functions are keyed by name: FunctionName resolved as sam local does (AWS::StackName is "local")
    assert sorted(functions) == ["local-fn", "my-fn"]
    assert functions.get("StackNamed") is functions["local-fn"]  # found by logical id too
    assert functions["my-fn"].logical_id == "Named"
    assert functions["my-fn"].testing_metadata == {"TestDescription": ["1-1"]}
    assert functions["local-fn"].handler == "pkg.mod.handler"


def test_not_a_template_is_an_error(tmp_path):
    # GIVEN a YAML file without Resources, and a missing file
    path = tmp_path / "template.yaml"
    path.write_text("just: data\n")
    # WHEN loaded / THEN both are TemplateErrors
    with pytest.raises(TemplateError, match="no Resources"):
        load_template(path)
    with pytest.raises(TemplateError, match="cannot read"):
        load_template(tmp_path / "absent.yaml")


def test_repository_template_yields_the_eight_durable_functions():
    # GIVEN the repository's own SAM template / WHEN loaded
    functions = load_template(REPO_ROOT / "template.yaml")
    # THEN the eight integration functions are there, each durable, with its code directory and a description
    scenarios = [
        "StepWaitStep",
        "MultipleSteps",
        "WaitOnly",
        "LongerWait",
        "ReplayDeterminism",
        "RetrySucceeds",
        "RetryExhausts",
        "StepFails",
    ]
    for scenario in scenarios:
        spec = functions[f"{scenario}Function"]
        assert spec.durable is not None
        assert 1 <= spec.durable.execution_timeout <= 31_622_400
        assert spec.runtime == "python3.13"
        assert spec.code_uri == REPO_ROOT / "sam_app" / scenario
        assert (spec.code_uri / "app.py").is_file()
        assert (spec.code_uri / "requirements.txt").is_file()
        assert spec.testing_metadata["TestDescription"]
        assert spec.environment["POWERTOOLS_SERVICE_NAME"]
