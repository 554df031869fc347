"""Findings as people and tools read them: ruff's text lines, JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json

from powertools_durable.tools.lint.rules import RULES, Finding

FORMATS = ("text", "json", "github")


def render(findings: list[Finding], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(
            [
                {
                    "code": f.code,
                    "name": RULES[f.code].name,
                    "message": f.message,
                    "filename": f.path,
                    "location": {"row": f.line, "column": f.column},
                    "url": RULES[f.code].url,
                }
                for f in findings
            ],
            indent=2,
        )
    if output_format == "github":
        return "\n".join(
            f"::error title=powertools-durable ({f.code}),file={f.path},line={f.line},col={f.column}::"
            f"{f.code} {_escape(f.message)}"
            for f in findings
        )
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in findings]
    lines.append(
        f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''}." if findings else "All checks passed!"
    )
    return "\n".join(lines)


def _escape(message: str) -> str:
    """GitHub's workflow-command escaping of a message."""
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
