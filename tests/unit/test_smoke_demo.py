"""The README demo: the SAM app's StepWaitStep runs on the emulator and its timeline is printed."""

from pathlib import Path

from powertools_durable.local.demo import run_demo

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def test_demo_runs_to_success(capsys):
    # GIVEN the repository's template / WHEN the demo runs
    code = run_demo(TEMPLATE)
    # THEN the execution succeeds over two invocations, and its timeline is printed
    out = capsys.readouterr().out
    assert code == 0
    assert "ExecutionStarted" in out
    assert "WaitSucceeded          pause after 2s" in out
    assert out.count("InvocationCompleted") == 2
    assert 'SUCCEEDED: {"greeting": "Hello, Powertools!", "shouted": "HELLO, POWERTOOLS!"}' in out


def test_demo_without_template_says_where_to_run_it(capsys, tmp_path):
    assert run_demo(tmp_path / "missing.yaml") == 2
    assert "run the demo from the repository root" in capsys.readouterr().out
