"""A ``sam build`` output is served by default (``local start`` and the fixture), vendored packages first.

The build directory is laid out as ``sam build`` leaves it (checked with SAM CLI 1.170): the
built template's ``CodeUri`` names each function's directory under ``.aws-sam/build``, where its
``requirements.txt`` packages sit next to its code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.service.projects import local_start, run_users_pytest

pytestmark = pytest.mark.e2e

SOURCE_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  OrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: app.handler
      Runtime: python3.13
      DurableConfig: {{ExecutionTimeout: 900}}
      Layers: [!Ref SharedLayer]
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: {layer}
"""

APP = """\
import pricing_rules  # vendored by sam build from requirements.txt
import shared_helpers  # from the layer (python/ in its build directory)

from powertools_durable import DurableContext, durable_handler


@durable_handler
def handler(event: dict, context: DurableContext) -> dict:
    return context.step(lambda _: {"rule": pricing_rules.WHERE, "layer": shared_helpers.WHERE}, name="price")
"""

TEST = """\
def test_the_built_function_runs(durable_emulator):
    run = durable_emulator.run("OrderFunction", {})
    assert run.status == "SUCCEEDED", (run.error, run.logs)
    assert run.result == {"rule": "vendored", "layer": "layer"}
"""


def make_built_project(root: Path) -> None:
    """Sources without their dependency, and the build output with it vendored (as ``sam build`` makes it)."""
    (root / "orders").mkdir()
    (root / "orders" / "app.py").write_text(APP)
    (root / "orders" / "requirements.txt").write_text("pricing-rules\n")
    (root / "template.yaml").write_text(SOURCE_TEMPLATE.format(code="orders/", layer="shared/"))
    build = root / ".aws-sam" / "build"
    (build / "OrderFunction").mkdir(parents=True)
    (build / "OrderFunction" / "app.py").write_text(APP)
    (build / "OrderFunction" / "pricing_rules.py").write_text("WHERE = 'vendored'\n")
    (build / "SharedLayer" / "python").mkdir(parents=True)
    (build / "SharedLayer" / "python" / "shared_helpers.py").write_text("WHERE = 'layer'\n")
    (build / "template.yaml").write_text(SOURCE_TEMPLATE.format(code="OrderFunction", layer="SharedLayer"))


def test_the_fixture_serves_the_build_output(tmp_path: Path) -> None:
    # GIVEN a built project whose tests set no durable_template
    make_built_project(tmp_path)
    (tmp_path / "test_orders.py").write_text(TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    # WHEN its tests run
    completed = run_users_pytest(tmp_path, "test_orders.py")
    # THEN the function ran from .aws-sam/build with its vendored package and its layer on the path
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed" in completed.stdout


def test_local_start_serves_the_build_output_by_default(tmp_path: Path) -> None:
    # GIVEN a built project / WHEN local start runs there without --template
    make_built_project(tmp_path)
    served = local_start(tmp_path)
    served.stop()
    # THEN it says it serves the built template
    assert f"template: {Path('.aws-sam') / 'build' / 'template.yaml'}\n" in served.banner, served.banner
