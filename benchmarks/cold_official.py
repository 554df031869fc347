"""The same one-step handler module on AWS's official SDK (only the import line differs)."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def greet(step_context: StepContext, name: str) -> dict[str, Any]:
    return {"hello": name}


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    result: dict[str, Any] = context.step(greet(event.get("name", "world")))
    return result
