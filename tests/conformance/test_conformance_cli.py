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


def test_only_filters_and_declared_gaps_do_not_fail(capsys, monkeypatch):
    # GIVEN the repo's requirements, filtered to a passing one and a declared gap
    monkeypatch.chdir(ROOT)
    # WHEN run / THEN exit 0 and both rows are printed
    assert main(["conformance", "--only", "1-2,10-1"]) == 0
    out = capsys.readouterr().out
    assert "| 1-2 | passed |" in out
    assert "| 10-1 | not implemented |" in out
    assert "1 not implemented, 1 passed" in out
