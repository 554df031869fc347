"""Toolsets that arrive at run time (``agent.run(toolsets=[...])``): their tool calls are steps too.

Pydantic AI wraps the leaf toolsets an agent is built with when the capability binds to it. A leaf that
arrives later (``run(toolsets=...)``, ``override(toolsets=...)``, a capability added for one run) would
run its tools inline: not checkpointed, and run again on every replay. Temporal and Prefect reject such
toolsets because their durable units must be registered before a worker starts; our steps are made
when they are called, so the leaf is wrapped for the run by the same engine surface, and each of its
tool calls is a step named exactly as a construction-time tool's would be.

Step names come from the tool's name (function tools) or the toolset's ``id`` (``mcp-call-<id>-<tool>``,
``list-tools-<id>``), so an MCP or dynamic toolset given at run time needs an explicit ``id``, unique
among the run's toolsets, as it would at construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_ai.exceptions import UserError
from pydantic_ai.toolsets import AbstractToolset, DynamicToolset, FunctionToolset

Wrap = Callable[[AbstractToolset[Any]], AbstractToolset[Any] | None]


def _kind(leaf: AbstractToolset[Any]) -> str | None:
    """The executing kind of a leaf (``function``, ``dynamic``, ``mcp``), or None for one that runs nothing here."""
    if isinstance(leaf, FunctionToolset):
        return "function"
    if isinstance(leaf, DynamicToolset):
        return "dynamic"
    try:
        from pydantic_ai.mcp import MCPToolset  # noqa: PLC0415 - the optional mcp extra, imported when needed
    except ImportError:  # the mcp extra is not installed: no leaf can be one
        return None
    return "mcp" if isinstance(leaf, MCPToolset) else None


def wrap_run_time_leaves(toolset: AbstractToolset[Any], wrap: Wrap) -> AbstractToolset[Any] | None:
    """``toolset`` with every executing leaf not yet durable wrapped by ``wrap``; None when there is none.

    Leaves already wrapped (the agent's own toolsets) are durable wrappers, which
    ``visit_and_replace`` does not descend into, so only run-time leaves reach ``visit``.
    """
    ids: dict[str, AbstractToolset[Any]] = {}
    changed = False

    def visit(leaf: AbstractToolset[Any]) -> AbstractToolset[Any]:
        nonlocal changed
        kind = _kind(leaf)
        if kind is None:  # ExternalToolset and the like: their tools run outside the agent
            return leaf
        toolset_id = leaf._explicit_id
        if toolset_id is None and kind != "function":
            raise UserError(
                f"{leaf.label} was given to this run without an `id`; under PowertoolsDurability its steps are "
                f"named after it (`list-tools-<id>`, `mcp-call-<id>-<tool>`): pass `id=...` to the toolset"
            )
        if toolset_id is not None and ids.setdefault(toolset_id, leaf) is not leaf:
            raise UserError(
                f"two toolsets given to this run have the `id` {toolset_id!r}; the `id` names their steps, "
                f"so it must be unique: give each toolset its own"
            )
        durable = wrap(leaf)
        if durable is None:
            return leaf
        changed = True
        return durable

    replaced = toolset.visit_and_replace(visit)
    return replaced if changed else None
