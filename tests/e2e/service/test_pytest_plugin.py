"""A user's project tests its durable function with the ``durable_emulator`` fixture (plugin via entry point)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.service.projects import run_users_pytest

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  OrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: OrderFunction
      CodeUri: orders/
      Handler: app.handler
      Runtime: python3.13
      DurableConfig:
        ExecutionTimeout: 86400
        RetentionPeriodInDays: 7
"""

APP = """\
from powertools_durable import DurableContext, Duration, durable_handler


@durable_handler
def handler(event: dict, context: DurableContext) -> dict:
    reserved = context.step(lambda _: {"order_id": event["order_id"]}, name="reserve")
    context.wait(Duration.from_hours(2), name="cool-off")
    return context.step(lambda _: {"confirmed": reserved["order_id"]}, name="confirm")
"""

TEST = """\
def test_order_workflow(durable_emulator):
    run = durable_emulator.run("OrderFunction", {"order_id": "o-1"})
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"confirmed": "o-1"}
    assert run.events("WaitSucceeded")[0]["WaitSucceededDetails"] == {"Duration": 7200}
    assert [e["EventType"] for e in run.history][-1] == "ExecutionSucceeded"
"""


def test_users_project_runs_its_function_to_completion(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "app.py").write_text(APP)
    (tmp_path / "test_orders.py").write_text(TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    completed = run_users_pytest(tmp_path, "test_orders.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed" in completed.stdout
