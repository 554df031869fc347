"""A new user's SAM template, served by ``local start`` as they would run it, sees what ``sam local`` gives it.

The template (tests/e2e/data/sam_user_project) has a DynamoDB table, an SQS queue, a parameter
without default (given by ``--parameter-overrides``), Conditions, Mappings, Globals, policy
templates and an ``--env-vars`` file; its workflow prices an order by a chained invoke of the ARN
``!Sub "${PricingFunction.Arn}:$LATEST"``. Where SAM CLI is installed, its own resolver is run on the
same template and must agree, variable by variable.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from powertools_durable.local.overrides import parse_parameter_overrides
from powertools_durable.local.template import load_template
from tests.e2e.service.projects import Served, local_start

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
PROJECT = REPO / "tests" / "e2e" / "data" / "sam_user_project"
SAM_PYTHON = Path(os.environ.get("POWERTOOLS_DURABLE_SAM_PYTHON") or REPO / ".venv-sam" / "bin" / "python")
REGION = "eu-west-1"
OVERRIDES = ["Stage=dev", "ParameterKey=LogLevel,ParameterValue=WARNING"]
ARN = f"arn:aws:lambda:{REGION}:123456789012:function"

ORDER_ENVIRONMENT = {
    "LOG_LEVEL": "WARNING",  # --parameter-overrides, long form
    "STAGE": "dev",  # the parameter without a default
    "POWERTOOLS_SERVICE_NAME": "orders-local",  # env-vars.json "Parameters" (all functions)
    "TABLE_NAME": "OrdersTable",  # Ref of a resource: its logical id
    "TABLE_ARN": f"{ARN}:OrdersTable",  # SAM CLI builds a Lambda-shaped ARN for any resource
    "QUEUE_URL": "OrdersQueue",
    "QUEUE_ARN": f"{ARN}:OrdersQueue",
    "QUEUE_NAME": "orders-queue-local",  # needs a stack; env-vars.json gives it
    "PRICING_FUNCTION": f"{ARN}:PricingFunction:$LATEST",
    "DISCOUNT": "0.1",  # FindInMap
    "ALERTS": "ops@example.com;dev@example.com",  # If on And/Not/Equals/Select of a CommaDelimitedList
    "REGION_INFO": f"{REGION}/123456789012/local/aws",
    "ENCODED": "aGVsbG8=",
    "FEATURE_FLAG": "on",  # env-vars.json, the function's own entry
    "NOT_DECLARED": None,  # only declared variables are set
}
# SAM CLI 1.170 evaluates both branches of Fn::If and gives up on !Ref AWS::NoValue: the variable is empty
# there, though the deployed function gets the chosen branch. The emulator gives the deployed value.
SAM_CLI_DIVERGENCES = {"OrderFunction": {"ALERTS": ""}}


def serve(tmp_path: Path, *extra: str) -> Served:
    environment = {k: v for k, v in os.environ.items() if k not in ORDER_ENVIRONMENT}  # the shell would win
    arguments = ["-t", str(PROJECT / "template.yaml"), "--region", REGION, "--parameter-overrides", *OVERRIDES]
    arguments += ["--env-vars", str(PROJECT / "env-vars.json"), "--time-scale", "50", *extra]
    return local_start(tmp_path, *arguments, env=environment)


def lambda_client(endpoint: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(read_timeout=120, retries={"max_attempts": 1}),
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = serve(tmp_path)
    try:
        yield running
    finally:
        running.kill()


def test_functions_see_what_sam_local_gives_them_and_chain_by_sub_arn(served: Served) -> None:
    # GIVEN the user's project served with --parameter-overrides and --env-vars
    client = lambda_client(served.endpoint)
    assert "functions: PricingFunction, orders-workflow" in "".join(served.banner)
    # WHEN the workflow runs (by its FunctionName) and prices the order through the template's ARN
    response = client.invoke(FunctionName="orders-workflow", Payload=json.dumps({"order": "o-1", "amount": 100}))
    body = json.loads(response["Payload"].read())
    # THEN each variable has SAM CLI's local value, Globals are merged, and the chained invoke worked
    assert "FunctionError" not in response, body
    assert body["environment"] == ORDER_ENVIRONMENT
    assert body["price"] == {"total": 90.0, "table": "OrdersTable", "memory": "512"}
    assert (body["function"], body["memory"], body["region"]) == ("orders-workflow", "256", REGION)
    configuration = client.get_function_configuration(FunctionName="OrderFunction")  # by logical id too
    assert configuration["FunctionName"] == "orders-workflow"
    assert configuration["DurableConfig"]["RetentionPeriodInDays"] == 3  # FindInMap on the overridden Stage
    # AND the terminal showed START / output / END / REPORT for both functions
    out = served.stop()
    assert re.search(r"START RequestId: \S+ Version: \$LATEST Function: orders-workflow Execution: \S+", out), out
    assert "Function: PricingFunction Execution:" in out
    assert "order o-1 in stage dev" in out
    assert re.search(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB", out)
    assert "Status: SUCCEEDED" in out


def test_quiet_prints_no_invocation_lines(tmp_path: Path) -> None:
    # GIVEN the project served with --quiet / WHEN the workflow runs
    running = serve(tmp_path, "--quiet")
    try:
        response = lambda_client(running.endpoint).invoke(
            FunctionName="OrderFunction", Payload=json.dumps({"order": "o-2", "amount": 10})
        )
        assert "FunctionError" not in response
    finally:
        out = running.stop()
    # THEN the terminal shows neither the lines nor the function's output
    assert "START RequestId" not in out
    assert "order o-2" not in out


@pytest.mark.skipif(not SAM_PYTHON.exists(), reason=f"SAM CLI's Python not at {SAM_PYTHON} (scripts/sam-check.sh)")
def test_sam_clis_own_resolver_agrees() -> None:
    # GIVEN SAM CLI's resolver run on the same template, overrides and env-vars file
    overrides = dict(item.split("=", 1) for item in ("Stage=dev", "LogLevel=WARNING"))
    arguments = [json.dumps(overrides), str(PROJECT / "env-vars.json")]
    completed = subprocess.run(
        [
            str(SAM_PYTHON),
            str(PROJECT.parent / "sam_environment.py"),
            str(PROJECT / "template.yaml"),
            REGION,
            *arguments,
        ],
        env={**{k: v for k, v in os.environ.items() if k not in ORDER_ENVIRONMENT}, "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    sam = json.loads(completed.stdout)
    # WHEN the emulator loads it the same way
    functions = load_template(
        PROJECT / "template.yaml",
        region=REGION,
        parameter_overrides=parse_parameter_overrides(OVERRIDES),
        env_vars=PROJECT / "env-vars.json",
    )
    # THEN names, memory and every variable agree, but for the divergence documented above
    for logical_id, expected in sam.items():
        spec = functions.get(logical_id)
        assert (spec.function_name, spec.memory_size) == (expected["function_name"], expected["memory"])
        ours, theirs = dict(spec.environment), dict(expected["environment"])
        for name, sam_value in SAM_CLI_DIVERGENCES.get(logical_id, {}).items():
            assert theirs.pop(name) == sam_value  # still SAM CLI's behaviour: revisit if it changes
            ours.pop(name)
        assert ours == theirs
