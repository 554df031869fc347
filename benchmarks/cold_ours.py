"""A one-step handler module on powertools-durable, as a function would ship it (cold start figure)."""

from __future__ import annotations

from typing import Any

from powertools_durable import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def greet(step_context: StepContext, name: str) -> dict[str, Any]:
    return {"hello": name}


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    return context.step(greet(event.get("name", "world")))
