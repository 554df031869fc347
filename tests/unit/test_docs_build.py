"""The documentation site builds with ``mkdocs build --strict``: every page, link and snippet resolves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_build_strict(tmp_path):
    # GIVEN the mkdocs-material site of docs/ (snippets included from examples/)
    site = tmp_path / "site"

    # WHEN it is built in strict mode (any warning fails)
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )

    # THEN it succeeds and every page of the nav is there, with no snippet left unexpanded
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for page in (
        "getting-started",
        "powertools",
        "operations",
        "local",
        "deploying",
        "migrating",
        "conformance",
        "benchmarks",
    ):
        html = (site / page / "index.html").read_text()
        assert "--8&lt;--" not in html, page
    assert (site / "index.html").exists()


def test_every_snippet_of_the_docs_comes_from_examples():
    # GIVEN the markdown pages
    pages = list((ROOT / "docs").glob("*.md"))
    # THEN each fenced Python block is an included snippet, never code written inline in the page
    for page in pages:
        for block in re.findall(r"```python\n(.*?)```", page.read_text(), re.DOTALL):
            lines = [line.strip() for line in block.strip().splitlines()]
            assert all(line.startswith("--8<--") for line in lines), (page.name, block)
