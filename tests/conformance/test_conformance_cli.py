"""``powertools-durable conformance`` judges any directory of requirement YAMLs."""

from __future__ import annotations

import shutil
from pathlib import Path

from powertools_durable.local.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def test_any_directory_is_judged_and_unmapped_ids_fail_the_run(tmp_path, capsys, monkeypatch):
    # GIVEN a directory holding a real requirement and one no function answers
    shutil.copy(HERE / "requirements" / "wait" / "2-1.yaml", tmp_path / "2-1.yaml")
    (tmp_path / "nested").mkdir()
    unknown = (HERE / "requirements" / "step" / "1-1.yaml").read_text()
    (tmp_path / "nested" / "99-1.yaml").write_text(unknown)
    monkeypatch.chdir(ROOT)

    # WHEN the command runs on it
    code = main(["conformance", "--requirements", str(tmp_path), "--timeout", "30"])

    # THEN both are reported, and the unmapped one makes the run fail
    out = capsys.readouterr().out
    assert "| 2-1 | passed | Conformance2x1Function |" in out
    assert "| 99-1 | unmapped |" in out
    assert code == 1


def test_only_filters_and_declared_gaps_do_not_fail(tmp_path, capsys, monkeypatch):
    # GIVEN the repo's conformance template plus a function declaring a gap (the repo itself declares none today)
    conformance = ROOT / "tests" / "conformance" / "template.yaml"
    template = (
        conformance.read_text()
        .replace("CodeUri: ../../sam_app/", f"CodeUri: {ROOT}/sam_app/")
        .replace("ContentUri: dependencies/", f"ContentUri: {conformance.parent}/dependencies/")
    )
    template += f"""
  GapFunction:
    Type: AWS::Serverless::Function
    TestingMetadata:
      NotImplemented:
        - id: "99-1"
          reason: "declared on purpose by this test"
    Properties:
      CodeUri: {ROOT}/sam_app/conformance/
      Handler: step_handlers.step_basic
"""
    (tmp_path / "template.yaml").write_text(template)
    requirements = tmp_path / "requirements"
    requirements.mkdir()
    shutil.copy(HERE / "requirements" / "step" / "1-2.yaml", requirements / "1-2.yaml")
    shutil.copy(HERE / "requirements" / "step" / "1-3.yaml", requirements / "1-3.yaml")
    (requirements / "99-1.yaml").write_text((HERE / "requirements" / "step" / "1-1.yaml").read_text())
    monkeypatch.chdir(ROOT)

    # WHEN run filtered to a passing requirement and the declared gap
    code = main(["conformance", "-r", str(requirements), "-t", str(tmp_path / "template.yaml"), "--only", "1-2,99-1"])

    # THEN exit 0, both rows are printed, and the filtered-out one is not run
    out = capsys.readouterr().out
    assert code == 0
    assert "| 1-2 | passed |" in out
    assert "| 99-1 | not implemented |" in out
    assert "1-3" not in out
    assert "1 not implemented, 1 passed" in out
