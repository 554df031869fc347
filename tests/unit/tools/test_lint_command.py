"""``powertools-durable lint`` as people and CI run it: output formats, exit codes, configuration, this repo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from powertools_durable.local.cli import main

ROOT = Path(__file__).resolve().parents[3]
BAD = """import time
from powertools_durable import durable_execution


@durable_execution
def handler(event, context):
    started = time.time()
    return context.step(lambda _: started, name="echo")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(BAD)
    (tmp_path / "src" / "clean.py").write_text("def f():\n    return 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_findings_print_like_ruff_and_exit_1(project: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["lint", "src"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("src/app.py:7:15: DUR001 `time.time()` outside a step")
    assert out[-1] == "Found 1 problem."


def test_json_and_github_formats(project: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["lint", "src", "--format", "json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)
    assert finding["code"] == "DUR001"
    assert finding["location"] == {"row": 7, "column": 15}
    assert finding["filename"] == "src/app.py"
    assert finding["url"].endswith("docs/lint.md#dur001")
    assert main(["lint", "src", "--format", "github"]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith("::error title=powertools-durable (DUR001),file=src/app.py,line=7,col=15::DUR001 ")


def test_pyproject_configuration_selects_ignores_and_excludes(project: Path, capsys: pytest.CaptureFixture[str]):
    (project / "pyproject.toml").write_text('[tool.powertools-durable.lint]\nignore = ["DUR001"]\n')
    assert main(["lint", "src"]) == 0
    assert capsys.readouterr().out.strip() == "All checks passed!"
    (project / "pyproject.toml").write_text('[tool.powertools-durable.lint]\nexclude = ["src/app.py"]\n')
    assert main(["lint", "src"]) == 0
    (project / "pyproject.toml").write_text('[tool.powertools-durable.lint]\nselect = ["DUR002"]\n')
    assert main(["lint", "src"]) == 0
    assert main(["lint", "src", "--select", "DUR001"]) == 1  # the command line replaces the file's list


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('select = ["XYZ9"]', "names no rule"),
        ('colour = "red"', "unknown keys: colour"),
        ('exclude = "src"', "must be a list"),
    ],
)
def test_bad_configuration_exits_2_naming_the_problem(
    project: Path, capsys: pytest.CaptureFixture[str], table: str, problem: str
):
    (project / "pyproject.toml").write_text(f"[tool.powertools-durable.lint]\n{table}\n")
    assert main(["lint", "src"]) == 2
    assert problem in capsys.readouterr().err


def test_unparsable_file_and_missing_path_exit_2(project: Path, capsys: pytest.CaptureFixture[str]):
    (project / "src" / "broken.py").write_text("def (:\n")
    assert main(["lint", "src"]) == 2
    assert "broken.py:1" in capsys.readouterr().err
    assert main(["lint", "nowhere"]) == 2
    assert "nowhere: no such file" in capsys.readouterr().err


def test_this_repository_examples_and_sam_app_are_clean(capsys: pytest.CaptureFixture[str], monkeypatch):
    # the docs' snippets are included from examples/, so this covers them too
    monkeypatch.chdir(ROOT)
    assert main(["lint", "examples", "sam_app"]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out.strip() == "All checks passed!"


def test_the_pre_commit_hook_runs_the_linter_on_python_files():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "powertools-durable-lint"
    assert hook["entry"] == "powertools-durable lint"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]


def test_the_tools_need_no_web_stack_and_the_package_does_not_import_them():
    code = (
        "import sys\n"
        "import powertools_durable\n"
        "from powertools_durable import DurableContext, durable_execution\n"
        "assert not [m for m in sys.modules if m.startswith('powertools_durable.tools')], 'tools imported'\n"
        "import powertools_durable.tools.lint, powertools_durable.tools.replay, powertools_durable.tools.commands\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')], 'web stack imported'\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
