"""The repository's two templates, one purpose each: template.yaml is the integration app that
``sam build && sam deploy`` ships; tests/conformance/template.yaml is the conformance stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from powertools_durable.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "template.yaml"
CONFORMANCE = ROOT / "tests" / "conformance" / "template.yaml"
INTEGRATION_APP = {
    *(
        f"{name}Function"
        for name in (
            "StepWaitStep",
            "MultipleSteps",
            "WaitOnly",
            "LongerWait",
            "ReplayDeterminism",
            "RetrySucceeds",
            "RetryExhausts",
            "StepFails",
        )
    ),
    "UntrustedCallbackFunction",
    "UntrustedInvokeFunction",
    "UntrustedEchoFunction",
    "SupportAgentFunction",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags kept as ``{"Fn::X": value}``."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {name: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node)}
    return {name: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)


def _parsed(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)
    return document


def _functions(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def test_sam_deploy_of_the_repository_template_ships_the_integration_app_only() -> None:
    # GIVEN the template `sam build && sam deploy` reads / WHEN its functions are counted
    functions = _functions(_parsed(APP))
    # THEN they are the integration app, and no conformance function is among them
    assert set(functions) == INTEGRATION_APP
    assert len(functions) == 12
    assert set(load_template(APP)) == INTEGRATION_APP


def test_the_integration_app_is_production_shaped() -> None:
    # GIVEN the integration template
    document = _parsed(APP)
    defaults = document["Globals"]["Function"]
    # THEN every function is invoked through an alias, logs JSON, and has the Powertools settings
    assert defaults["AutoPublishAlias"] == "live"
    assert defaults["LoggingConfig"] == {"LogFormat": "JSON"}
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"} <= set(defaults["Environment"]["Variables"])
    for name, function in _functions(document).items():
        # each has a least-privilege policy: the durable-execution calls on its own stack's functions only
        statements = [s for p in function["Properties"]["Policies"] for s in p["Statement"]]
        durable = [s for s in statements if "lambda:CheckpointDurableExecution" in s["Action"]]
        assert durable, name
        assert f"${{AWS::StackName}}-{name}-*" in durable[0]["Resource"]["Fn::Sub"], name
        assert "*" not in [s["Resource"] for s in statements], name
        # and the outputs name its alias ARN
        assert document["Outputs"][f"{name}Alias"]["Value"] == {"Ref": f"{name}.Alias"}


def test_the_conformance_stack_holds_every_conformance_function() -> None:
    # GIVEN the conformance template / WHEN loaded as the emulator loads it
    functions = load_template(CONFORMANCE)
    # THEN it holds the Conformance* functions (and their async twins) only, code found from its own directory
    assert functions
    assert all(name.startswith(("Conformance", "AsyncConformance")) for name in functions)
    assert len(functions) == len(_functions(_parsed(CONFORMANCE)))
    assert "Conformance1x1Function" in functions
    assert "../../sam_app/conformance/" in CONFORMANCE.read_text()
    assert (CONFORMANCE.parent / "../../sam_app/conformance/step_handlers.py").resolve().is_file()


def test_moving_conformance_functions_again_changes_nothing(tmp_path: Path) -> None:
    # GIVEN the split already made / WHEN the script that makes it runs again
    before = (APP.read_text(), CONFORMANCE.read_text())
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "move_conformance_functions.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    # THEN it reports nothing to move and both templates are unchanged
    assert "no Conformance* function left" in done.stdout
    assert (APP.read_text(), CONFORMANCE.read_text()) == before


def test_conformance_functions_added_to_the_app_template_are_moved(tmp_path: Path) -> None:
    # GIVEN an app template where someone added a Conformance* function (with its comment) and an async twin
    app, stack = tmp_path / "template.yaml", tmp_path / "conformance.yaml"
    app.write_text(
        "Resources:\n  StepFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: app/\n\n  # 10-1: a plugin\n  Conformance10x1Function:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: sam_app/conformance/\n"
        "      Handler: plugin_handlers.basic\n\n  AsyncConformance2x1Function:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: sam_app/conformance/\n\n"
        "Outputs:\n  X:\n    Value: 1\n"
    )
    stack.write_text("Resources:\n  DurableDependencies:\n    Type: AWS::Serverless::LayerVersion\n")
    # WHEN the script runs on them
    script = str(ROOT / "scripts" / "move_conformance_functions.py")
    done = subprocess.run([sys.executable, script, str(app), str(stack)], capture_output=True, text=True, check=True)
    # THEN the function and its comment moved, CodeUri relative to the stack's directory; the rest stayed
    assert "moved 2 functions" in done.stdout
    assert "Conformance10x1Function" not in app.read_text()
    assert "AsyncConformance2x1Function" not in app.read_text()
    assert "StepFunction" in app.read_text()
    assert "Outputs:" in app.read_text()
    moved = stack.read_text()
    assert "  # 10-1: a plugin\n  Conformance10x1Function:\n" in moved
    assert "      CodeUri: ../../sam_app/conformance/\n      Handler: plugin_handlers.basic\n" in moved
    assert "  AsyncConformance2x1Function:\n" in moved
