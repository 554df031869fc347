"""A handler that cannot be loaded fails as Lambda's runtime says, with one short traceback of the user's code."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    DurableConfig:
      ExecutionTimeout: 3600
Resources:
  MissingImport:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: MissingImport, CodeUri: app/, Handler: missing_import.handler}
  BrokenSyntax:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: BrokenSyntax, CodeUri: app/, Handler: broken_syntax.handler}
  NoSuchHandler:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: NoSuchHandler, CodeUri: app/, Handler: fine.hadnler}
  RaisesAtImport:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: RaisesAtImport, CodeUri: app/, Handler: raises.handler}
  Chatty:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: Chatty, CodeUri: app/, Handler: chatty.handler}
"""

FILES = {
    "missing_import.py": "import helpers_not_vendored  # noqa\n\ndef handler(event, context):\n    return 1\n",
    "broken_syntax.py": "def handler(event, context)\n    return 1\n",
    "fine.py": "def handler(event, context):\n    return 1\n",
    "raises.py": "import os\n\nSETTING = os.environ['NOT_CONFIGURED']\n\ndef handler(event, context):\n    return 1\n",
    "chatty.py": (
        "from powertools_durable import durable_execution\n\n"
        "@durable_execution\ndef handler(event, context):\n"
        "    print('x' * 5000)\n    print('the last line')\n    return context.step(lambda _: 'done', name='s')\n"
    ),
}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEmulator]:
    root = tmp_path_factory.mktemp("init-errors")
    (root / "app").mkdir()
    for name, text in FILES.items():
        (root / "app" / name).write_text(text)
    (root / "template.yaml").write_text(TEMPLATE)
    with LocalEmulator(root / "template.yaml", max_failures=2) as emulator:
        yield emulator


@pytest.mark.parametrize(
    ("function", "error_type", "message", "frame"),
    [
        (
            "MissingImport",
            "Runtime.ImportModuleError",
            "Unable to import module 'missing_import': No module named",
            'missing_import.py", line 1',
        ),
        (
            "BrokenSyntax",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'broken_syntax'",
            'broken_syntax.py", line 1',
        ),
        ("NoSuchHandler", "Runtime.HandlerNotFound", "Handler 'hadnler' missing on module 'fine'", None),
        ("RaisesAtImport", "KeyError", "NOT_CONFIGURED", 'raises.py", line 3'),
    ],
)
def test_a_handler_that_cannot_load_fails_with_lambdas_error(
    emulator: LocalEmulator, function: str, error_type: str, message: str, frame: str | None
) -> None:
    # GIVEN a function whose handler cannot be loaded / WHEN it is invoked (and retried)
    run = emulator.run(function, {}, timeout=60)
    # THEN every invocation fails with Lambda's init error, and so does the execution
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"] == error_type
    assert message in run.error["ErrorMessage"]
    completed = [e["InvocationCompletedDetails"]["Error"]["Payload"] for e in run.events("InvocationCompleted")]
    assert len(completed) == 2  # max_failures=2: the init error is retried like any failed invocation
    assert all(error["ErrorType"] == error_type for error in completed)
    # AND each invocation's log holds one short report: the user's frame, none of the import machinery
    for _, logs in run.logs:
        assert logs.count(f"[ERROR] {error_type}") == 1
        assert "importlib" not in logs
        assert "worker_main" not in logs
        if frame is not None:
            assert frame in logs


def test_log_type_tail_returns_the_last_4_kb_of_the_logs(emulator: LocalEmulator) -> None:
    # GIVEN a durable function that prints more than 4 KB / WHEN invoked with LogType=Tail
    response = emulator.client().invoke(FunctionName="Chatty", Payload=b"{}", LogType="Tail")
    # THEN, as on Lambda, LogResult holds the last 4 KB of its logs, base64
    tail = base64.b64decode(response["LogResult"])
    assert len(tail) == 4096
    assert tail.rstrip().endswith(b"the last line")
    assert "LogResult" not in emulator.client().invoke(FunctionName="Chatty", Payload=b"{}")
