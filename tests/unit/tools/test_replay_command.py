"""``powertools-durable replay``: exit 0 when the code replays cleanly, 1 on a divergence, 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from powertools_durable.local.cli import main
from tests.functional.fresh_loggers import fresh_loggers  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("fresh_loggers")

ROOT = Path(__file__).resolve().parents[3]
HISTORY = str(ROOT / "tests" / "functional" / "data" / "histories" / "StepWaitStep.json")
APP = ROOT / "sam_app" / "StepWaitStep" / "app.py"


def test_unchanged_code_replays_cleanly(capsys: pytest.CaptureFixture[str]):
    assert main(["replay", "--handler", f"{APP}:handler", HISTORY]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "replays cleanly: 3 recorded operations, ended SUCCEEDED as recorded"


def test_module_handler_on_a_path_as_sam_names_it(capsys: pytest.CaptureFixture[str], monkeypatch):
    monkeypatch.delitem(__import__("sys").modules, "app", raising=False)
    assert main(["replay", "--path", str(APP.parent), "--handler", "app.handler", HISTORY]) == 0
    assert "replays cleanly" in capsys.readouterr().out


def test_a_reordered_workflow_diverges_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # GIVEN the StepWaitStep app with its first step renamed (what moving a step does to the ids)
    changed = tmp_path / "app.py"
    changed.write_text(APP.read_text().replace("def greet(", "def welcome(").replace("greet(", "welcome("))
    # WHEN replayed against the golden history
    assert main(["replay", "--handler", f"{changed}:handler", HISTORY]) == 1
    out = capsys.readouterr().out
    # THEN the report names the position, the recorded step and what the code asks for
    assert "DIVERGES" in out
    assert "operation #1" in out
    assert "recorded STEP 'greet'" in out
    assert "'welcome'" in out


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--handler", f"{APP}:handler", "missing.json"], "no such file"),
        (["--handler", "no_such_module_xyz:handler", HISTORY], "No module named"),
        (["--handler", f"{APP}:nothing", HISTORY], "nothing"),
        (["--handler", "handler", HISTORY], "expected module:function"),
    ],
)
def test_bad_input_exits_2(args: list[str], problem: str, capsys: pytest.CaptureFixture[str]):
    assert main(["replay", *args]) == 2
    assert problem in capsys.readouterr().err


def test_without_an_arn_it_says_what_differs(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    import json

    data = json.loads(Path(HISTORY).read_text())
    del data["DurableExecutionArn"]
    history = tmp_path / "history.json"
    history.write_text(json.dumps(data))
    assert main(["replay", "--handler", f"{APP}:handler", str(history)]) == 0
    assert "no execution ARN" in capsys.readouterr().err
