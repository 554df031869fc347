"""``get_durable_context()``: the running invocation's context from anywhere in the call stack."""

from __future__ import annotations

from powertools_durable import DurableContext, durable_execution, get_durable_context


def audit(action: str) -> str:
    """A helper deep in the code base, without a context parameter."""
    context = get_durable_context()
    return context.step(lambda _: f"audited {action}", name=f"audit-{action}")


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    return audit("refund")
