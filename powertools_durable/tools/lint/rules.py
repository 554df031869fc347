"""The rules of ``powertools-durable lint``: code, name and what each finding says."""

from __future__ import annotations

from dataclasses import dataclass

DOCS_PAGE = "docs/lint.md"  # in the repository and on the docs site (lint/)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str

    @property
    def url(self) -> str:
        return f"{DOCS_PAGE}#{self.code.lower()}"


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("DUR001", "non-deterministic-call", "non-deterministic call outside a step"),
        Rule("DUR002", "io-outside-step", "I/O outside a step"),
        Rule("DUR003", "operation-in-step", "durable operation inside a step body"),
        Rule("DUR004", "step-mutates-enclosing-state", "step body mutates state of its enclosing scope"),
        Rule("DUR005", "hash-ordered-iteration", "operations created while iterating a hash-ordered collection"),
        Rule("DUR006", "broad-except-around-operation", "bare except / except BaseException around durable operations"),
    )
}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at ``path:line:col`` (1-based line and column, as ruff prints them)."""

    path: str
    line: int
    column: int
    code: str
    message: str
