"""A function without DurableConfig is invoked as plain Lambda: once, its return value is the response."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: Plain
      CodeUri: app/
      Handler: app.handler
      Runtime: python3.13
      Environment:
        Variables:
          MARKER: {marker}
"""

APP = """\
import os
from pathlib import Path


def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    Path(os.environ["MARKER"]).write_text(context.function_name)
    return {"echo": event, "function": context.function_name}
"""


@pytest.fixture
def plain_emulator(tmp_path: Path) -> Iterator[LocalEmulator]:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.py").write_text(APP)
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(marker=tmp_path / "marker"))
    with LocalEmulator(tmp_path / "template.yaml") as emulator:
        yield emulator


def test_request_response_returns_the_handler_output(plain_emulator: LocalEmulator) -> None:
    lambda_client = plain_emulator.client()
    response = lambda_client.invoke(FunctionName="Plain", Payload=json.dumps({"a": 1}))
    assert json.loads(response["Payload"].read()) == {"echo": {"a": 1}, "function": "Plain"}
    assert "DurableExecutionArn" not in response
    failed = lambda_client.invoke(FunctionName="Plain", Payload=json.dumps({"fail": True}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "asked to fail"
    assert "DurableConfig" not in lambda_client.get_function_configuration(FunctionName="Plain")


def test_event_invoke_runs_it_in_the_background(plain_emulator: LocalEmulator, tmp_path: Path) -> None:
    lambda_client = plain_emulator.client()
    assert lambda_client.invoke(FunctionName="Plain", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    deadline = time.monotonic() + 30
    while not (tmp_path / "marker").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with pytest.raises(ClientError) as exc:
        lambda_client.list_durable_executions_by_function(FunctionName="Nope")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
