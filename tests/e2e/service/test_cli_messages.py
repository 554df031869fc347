"""Each mistake a new user makes with the CLI gets one line that says what to do (no traceback)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from powertools_durable.local.cli import main
from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: src/, Runtime: python3.13, Timeout: 30}
Resources:
  Durable:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.durable, DurableConfig: {ExecutionTimeout: 86400}}
  NoDecorator:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.undecorated, DurableConfig: {ExecutionTimeout: 86400}}
  Plain:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.plain}
"""

APP = """\
from powertools_durable import DurableContext, Duration, durable_handler


@durable_handler
def durable(event: dict, context: DurableContext) -> str:
    context.wait(Duration.from_minutes(20), name="long")  # past the 15 minutes of a synchronous invoke
    return context.step(lambda _: "done", name="finish")


def undecorated(event, context):
    return {"hello": "world"}


def plain(event, context):
    return "plain"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(APP)
    (root / "template.yaml").write_text(TEMPLATE)
    return root


@pytest.fixture(scope="module")
def running(project: Path) -> Iterator[LocalEmulator]:
    with LocalEmulator(project / "template.yaml", time_scale=1200) as emulator:  # 20 minutes in 1 s
        yield emulator


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_invoking_a_function_without_durable_config_says_what_to_do(
    running: LocalEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a plain function / WHEN invoked as a durable one
    code = main(["local", "invoke", "Plain", "--wait", "--endpoint", running.endpoint_url])
    # THEN one line names DurableConfig and the way to invoke it plainly; no "None", no botocore error
    err = one_line(capsys)
    assert code == 1
    assert "function Plain has no DurableConfig, so it is not a durable function: add DurableConfig" in err
    assert "aws lambda invoke --function-name Plain" in err
    assert "ParamValidationError" not in err


def test_wait_outlasts_fifteen_modelled_minutes(running: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a workflow waiting 20 modelled minutes / WHEN invoked with --wait
    code = main(["local", "invoke", "Durable", "--wait", "--endpoint", running.endpoint_url])
    out = capsys.readouterr().out
    # THEN it waits for the end: the result, and no Sandbox.Timedout
    assert code == 0, out
    assert "status: SUCCEEDED" in out
    assert 'result: "done"' in out
    assert "Timedout" not in out
    assert "offsets below are modelled seconds (time x1200)" in out


def test_input_that_is_not_json_shows_how_to_quote(running: LocalEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["local", "invoke", "Durable", "--input", "hello", "--endpoint", running.endpoint_url])
    err = one_line(capsys)
    assert code == 1
    assert err.startswith("powertools-durable: --input is not JSON (Expecting value at character 0)")
    assert "for a string, --input '\"text\"'" in err


def test_misspelled_function_lists_the_existing_ones(
    running: LocalEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["local", "invoke", "Durabel", "--endpoint", running.endpoint_url])
    err = one_line(capsys)
    assert code == 1
    assert "no function 'Durabel' in the emulator's template: did you mean Durable?" in err
    assert "its functions: Durable, NoDecorator, Plain" in err


def test_handler_without_the_decorator_gets_the_hint(
    running: LocalEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["local", "invoke", "NoDecorator", "--wait", "--endpoint", running.endpoint_url])
    out = capsys.readouterr().out
    assert code == 1
    assert "no durable output envelope" in out
    assert "is its handler decorated with @durable_handler (or @durable_execution)?" in out


def test_no_emulator_running_suggests_local_start(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # WHEN a client command runs against it / THEN it says to start the emulator
    code = main(["local", "executions", "--endpoint", f"http://127.0.0.1:{port}"])
    err = one_line(capsys)
    assert code == 1
    assert f"no emulator answers at http://127.0.0.1:{port}: start one with `powertools-durable local start`" in err


def test_busy_port_names_the_port_and_the_flag(
    running: LocalEmulator, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the port of a running emulator / WHEN another one starts on it
    code = main(
        ["local", "start", "-t", str(project / "template.yaml"), "--port", str(running.port), "--store", ":memory:"]
    )
    # THEN one line names the port and --port (no OSError: [Errno 98])
    err = one_line(capsys)
    assert code == 1
    assert f"port {running.port} on 127.0.0.1 is already in use (another emulator?)" in err
    assert "choose another port with --port" in err
    assert "Errno" not in err


def test_template_error_names_the_file_and_the_flag(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a template whose parameter has no default
    (project / "needs.yaml").write_text(
        "Parameters:\n  Stage: {Type: String}\n"
        + TEMPLATE.replace("Timeout: 30}", "Timeout: 30, Environment: {Variables: {STAGE: !Ref Stage}}}")
    )
    # WHEN served without the override / THEN the line names the file, the property and --parameter-overrides
    code = main(["local", "start", "-t", str(project / "needs.yaml"), "--port", "0", "--store", ":memory:"])
    err = one_line(capsys)
    assert code == 1
    assert "needs.yaml: Durable: Environment.Variables.STAGE: parameter Stage has no Default" in err
    assert "--parameter-overrides Stage=<value>" in err


def test_listings_show_wall_clock_times_histories_modelled_ones(
    running: LocalEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two executions that each waited 20 modelled minutes in about a wall second (time x1200):
    # the second started 20 modelled minutes after the first, though a second later on the wall
    for _ in range(2):
        run = running.run("Durable", {}, timeout=60)
        assert run.status == "SUCCEEDED", run.error
    now = datetime.now().astimezone()
    # WHEN its function's executions and its timeline are listed
    assert main(["local", "executions", "Durable", "--endpoint", running.endpoint_url]) == 0
    listing = capsys.readouterr().out
    assert main(["local", "history", run.arn, "--endpoint", running.endpoint_url]) == 0
    timeline = capsys.readouterr().out
    # THEN start times are on the wall clock (modelled time runs 20 minutes ahead by now), offsets modelled
    started = [datetime.fromisoformat(line.split()[1] + " " + line.split()[2]) for line in listing.splitlines()]
    assert started, listing
    assert all(abs((now - moment).total_seconds()) < 300 for moment in started), listing
    header = re.match(r"started (\S+ \S+); offsets below are modelled seconds \(time x1200\)", timeline)
    assert header, timeline
    assert abs((now - datetime.fromisoformat(header.group(1))).total_seconds()) < 300
    assert "long after 1200s" in timeline  # the history's own duration: modelled
    assert main(["local", "history", run.arn, "--json", "--endpoint", running.endpoint_url]) == 0
    assert "EventTimestamp values are modelled time (time x1200)" in capsys.readouterr().err
