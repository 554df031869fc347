"""Move conformance functions out of the integration template into the conformance stack's template.

``template.yaml`` is what ``sam build && sam deploy`` ships (the integration app); the functions that
answer AWS's conformance requirements live in ``tests/conformance/template.yaml``, their own stack.
Run from the repository root after adding functions named ``Conformance*`` or ``AsyncConformance*``
to ``template.yaml``::

    python scripts/move_conformance_functions.py [SOURCE TARGET]

Every resource whose logical id starts with ``Conformance`` or ``AsyncConformance`` is cut from
``template.yaml`` (with the comment lines right above it) and appended to the conformance template's ``Resources``, its
``CodeUri`` made relative to that template's directory (``sam_app/conformance/`` becomes
``../../sam_app/conformance/``). The edit is textual: comments and layout survive. Running it
again is a no-op.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "template.yaml"
TARGET = ROOT / "tests" / "conformance" / "template.yaml"
PREFIXES = ("Conformance", "AsyncConformance")  # the sync handlers and their async twins
RESOURCE = re.compile(r"^  ([A-Za-z0-9]+):\s*$")
CODE_URI = re.compile(r"^(\s+CodeUri:[ \t]*)(?!\.\./\.\./)(\S+)")


def _blocks(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """Split ``lines`` into the lines kept and the blocks (resource + its leading comments) moved."""
    kept: list[str] = []
    moved: list[list[str]] = []
    in_resources = False
    current: list[str] | None = None
    for line in lines:
        if not line.startswith((" ", "#")) and line.strip():
            in_resources = line.rstrip() == "Resources:"
            current = None
            kept.append(line)
            continue
        match = RESOURCE.match(line) if in_resources else None
        if match:
            if match.group(1).startswith(PREFIXES):
                current = []
                while kept and kept[-1].startswith("  # ") and "---" not in kept[-1]:  # its own comment
                    current.insert(0, kept.pop())
                moved.append(current)
            else:
                current = None
        if current is not None and not line.startswith("  #"):
            current.append(line)
        elif current is not None:
            current = None  # a section comment starts a new group
            kept.append(line)
        else:
            kept.append(line)
    return kept, moved


def _relocated(block: list[str]) -> list[str]:
    return [CODE_URI.sub(lambda m: f"{m.group(1)}../../{m.group(2)}", line) for line in block]


def main(argv: list[str]) -> int:
    source, target_path = (Path(argv[0]), Path(argv[1])) if len(argv) == 2 else (SOURCE, TARGET)
    kept, moved = _blocks(source.read_text().splitlines(keepends=True))
    if not moved:
        print("move_conformance_functions: no Conformance* function left in template.yaml")
        return 0
    while kept and not kept[-1].strip():
        kept.pop()
    target = target_path.read_text().rstrip("\n") + "\n"
    for block in moved:
        while block and not block[-1].strip():
            block.pop()
        target += "\n" + "".join(_relocated(block)).rstrip("\n") + "\n"
    target_path.write_text(target)
    source.write_text("".join(kept).rstrip("\n") + "\n")
    print(f"move_conformance_functions: moved {len(moved)} functions to {target_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
