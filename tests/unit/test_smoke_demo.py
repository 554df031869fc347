"""The README demo runs a step-wait-step workflow to its end."""

from powertools_durable.local.demo import run_demo


def test_demo_runs_to_success(capsys):
    # GIVEN the demo workflow / WHEN it runs
    code = run_demo()
    # THEN it succeeds over two invocations and prints each checkpoint
    out = capsys.readouterr().out
    assert code == 0
    assert "invocation 1: PENDING" in out
    assert "invocation 2: SUCCEEDED" in out
    assert 'execution SUCCEEDED: {"confirmed": "o-42"}' in out
