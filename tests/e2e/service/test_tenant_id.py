"""A chained invoke with a tenant id: the same handler on both SDKs, through the emulator, records it alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from powertools_durable.local.emulator import LocalEmulator

pytest.importorskip("aws_durable_execution_sdk_python", reason="the official SDK is in the bench extra")
pytestmark = pytest.mark.e2e

FUNCTION = """\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: {name}
      CodeUri: app/
      Handler: app.{handler}
      Runtime: python3.13
      Timeout: 30
"""
DURABLE = """\
      DurableConfig:
        ExecutionTimeout: 3600
"""
TEMPLATE = (
    'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n'
    + FUNCTION.format(name="OfficialCaller", handler="official_caller")
    + DURABLE
    + FUNCTION.format(name="OurCaller", handler="our_caller")
    + DURABLE
    + FUNCTION.format(name="Target", handler="target")
)

APP = """\
import aws_durable_execution_sdk_python as official
import aws_durable_execution_sdk_python.config as official_config

import powertools_durable as ours
import powertools_durable.config as our_config


def body(config_module):
    def handler(event, context):
        config = config_module.InvokeConfig(tenant_id="tenant-7")
        return context.invoke("Target", {"n": 1}, name="call", config=config)

    return handler


official_caller = official.durable_execution(body(official_config))
our_caller = ours.durable_execution(body(our_config))


def target(event, context):
    return {"got": event}
"""


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEmulator]:
    root = tmp_path_factory.mktemp("tenant-app")
    (root / "app").mkdir()
    (root / "app" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE)
    with LocalEmulator(root / "template.yaml", time_scale=20) as emulator:
        yield emulator


def test_chained_invoke_records_the_tenant_id_as_the_official_sdk_does(emulator: LocalEmulator) -> None:
    # GIVEN the same handler invoking Target with InvokeConfig(tenant_id="tenant-7") on each SDK
    # WHEN each runs on the emulator
    official = emulator.run("OfficialCaller", {}, timeout=60)
    ours = emulator.run("OurCaller", {}, timeout=60)

    # THEN both succeed with the same history, and ChainedInvokeStarted carries the tenant id
    assert official.status == ours.status == "SUCCEEDED", (official.error, ours.error)
    assert ours.result == official.result == {"got": {"n": 1}}
    assert [e["EventType"] for e in ours.history] == [e["EventType"] for e in official.history]
    official_started = official.events("ChainedInvokeStarted")[0]["ChainedInvokeStartedDetails"]
    ours_started = ours.events("ChainedInvokeStarted")[0]["ChainedInvokeStartedDetails"]
    assert official_started["TenantId"] == "tenant-7"
    assert ours_started == official_started
