"""``powertools-durable lint``: an AST checker of durable handlers for code that breaks replay."""

from powertools_durable.tools.lint.command import lint_paths, lint_source
from powertools_durable.tools.lint.config import LintConfig, load_config
from powertools_durable.tools.lint.rules import RULES, Finding, Rule

__all__ = ["RULES", "Finding", "LintConfig", "Rule", "lint_paths", "lint_source", "load_config"]
