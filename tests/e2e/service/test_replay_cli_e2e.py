"""What ``local history --json`` saves from the running emulator replays with ``powertools-durable replay``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from powertools_durable.local.cli import main
from powertools_durable.local.emulator import LocalEmulator
from tests.functional.fresh_loggers import fresh_loggers  # noqa: F401 - a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fresh_loggers")]

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def sam_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(ROOT / "template.yaml", time_scale=20) as emulator:
        yield emulator


def test_local_history_json_replays_against_the_deployed_code(
    sam_emulator: LocalEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an execution of the SAM app's MultipleSteps function, run on the emulator through boto3
    client = sam_emulator.client()
    response = client.invoke(FunctionName="MultipleStepsFunction", Payload=json.dumps({"start": 10}))
    assert json.loads(response["Payload"].read())["total"] == 25
    arn = response["DurableExecutionArn"]
    # WHEN its history is saved with the CLI, as a person would
    assert main(["local", "history", arn, "--json", "--endpoint", sam_emulator.endpoint_url]) == 0
    history = tmp_path / "history.json"
    history.write_text(capsys.readouterr().out)
    assert json.loads(history.read_text())["DurableExecutionArn"] == arn
    # THEN the code replays it cleanly
    handler = f"{ROOT / 'sam_app' / 'MultipleSteps' / 'app.py'}:handler"
    assert main(["replay", "--handler", handler, str(history)]) == 0
    report = capsys.readouterr().out.splitlines()[-1]  # after the handler's own log lines
    assert report == "replays cleanly: 5 recorded operations, ended SUCCEEDED as recorded"
    # AND a copy of the code that adds 2 instead of the recorded steps' 1..5 diverges on its result
    changed = tmp_path / "app.py"
    source = (ROOT / "sam_app" / "MultipleSteps" / "app.py").read_text()
    changed.write_text(source.replace('"total": ', '"total": 1 + '))
    assert '"total": 1 + ' in changed.read_text()
    assert main(["replay", "--handler", f"{changed}:handler", str(history)]) == 1
    assert "another result" in capsys.readouterr().out
