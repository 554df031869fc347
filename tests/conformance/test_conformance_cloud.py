"""``powertools-durable conformance --function-map`` (the deployed-stack path) with the emulator acting
as the cloud: the same requirements, judged through boto3 with ``AWS_ENDPOINT_URL_LAMBDA``, give the
same verdicts as the offline run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.arns import function_arn
from powertools_durable.local.cli import main
from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.template import load_template

HERE = Path(__file__).parent
TEMPLATE = HERE / "template.yaml"
# steps, a wait, callbacks answered by the runner, a chained invoke, parallel, map, a logs requirement
ONLY = "1-1,1-7,2-1,4-1,4-2,5-1,5-4,8-1,9-1,10-1"
TIME_SCALE = 10.0


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalEmulator]:
    with LocalEmulator(TEMPLATE, store=":memory:", time_scale=TIME_SCALE) as emulator:
        yield emulator


def _verdicts(out: str) -> dict[str, dict[str, str]]:
    return {v["id"]: v for v in map(json.loads, out.splitlines())}


def _aws(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_a_deployed_stack_gets_the_offline_verdicts(
    cloud: LocalEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the offline verdicts of a spread of requirements
    monkeypatch.chdir(HERE.parents[1])
    assert main(["conformance", "--only", ONLY, "--json"]) == 0
    offline = _verdicts(capsys.readouterr().out)
    # AND "the deployed stack": every conformance function given as its alias ARN on the emulator's endpoint
    _aws(
        monkeypatch,
        AWS_ENDPOINT_URL_LAMBDA=cloud.endpoint_url,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION="us-east-1",
    )
    mapping = [f"--function-map={n}={function_arn(n, 'live')}" for n in load_template(TEMPLATE)]
    # WHEN the command judges it through the Lambda API
    # (the emulator has no CloudWatch Logs: --no-logs; tests/unit/local/test_cloudwatch_logs.py reads them)
    code = main(["conformance", "--only", ONLY, "--json", "--time-scale", str(TIME_SCALE), "--no-logs", *mapping])
    deployed = _verdicts(capsys.readouterr().out)
    # THEN the verdicts are the offline ones, requirement by requirement
    assert code == 0
    assert {k: v["outcome"] for k, v in deployed.items()} == {k: v["outcome"] for k, v in offline.items()}
    assert deployed["2-1"]["outcome"] == "passed"
    assert deployed["10-1"]["outcome"] == "passed"  # a plugin requirement, through the aliases too
    # AND the executions ran on "the cloud", through the aliases
    arns = cloud.client().list_durable_executions_by_function(FunctionName="Conformance2x1Function:live")
    assert arns["DurableExecutions"]
    # AND a logs requirement says its logs were not read
    assert "ExpectedLogs not checked" in deployed["1-7"]["detail"]
    assert offline["1-7"]["detail"] == ""


def test_without_credentials_the_command_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no AWS credentials anywhere
    _aws(monkeypatch, AWS_EC2_METADATA_DISABLED="true")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(HERE.parents[1])
    # WHEN the command is pointed at a stack / THEN it exits 2 naming what is missing
    assert main(["conformance", "--stack", "durable-conformance", "--only", "1-1"]) == 2
    assert "no AWS credentials" in capsys.readouterr().err
