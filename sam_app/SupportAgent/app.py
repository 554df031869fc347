"""SupportAgent: a durable Pydantic AI agent that looks an order up and refunds it once a person approves.

Each model request and each tool call is a step; ``issue_refund`` needs approval, so the execution
suspends on a callback (``approve-issue_refund``) until it is answered with ``{"approved": true}``
or ``{"approved": false, "reason": "..."}``, without compute while it waits.

The model comes from ``SUPPORT_AGENT_MODEL``: ``scripted`` (the default: a deterministic script,
for the emulator and tests) or a Pydantic AI model id such as
``bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0`` (Amazon Bedrock, with the function's role).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from pydantic_ai import Agent
from pydantic_ai.models import Model
from scripted import scripted_model

from powertools_durable import Duration, StepConfig, StepSemantics, durable_handler
from powertools_durable.ai import PowertoolsDurability, ToolApprovals
from powertools_durable.aio import AsyncDurableContext

logger = Logger()
tracer = Tracer()

ORDERS = {  # stands in for the order service
    "o-1": {"order_id": "o-1", "status": "delivered", "total": 42},
    "o-2": {"order_id": "o-2", "status": "lost in transit", "total": 180},
}


def model() -> Model | str:
    name = os.environ.get("SUPPORT_AGENT_MODEL", "scripted")
    return scripted_model() if name == "scripted" else name


durability: PowertoolsDurability[None] = PowertoolsDurability(
    # A refund must not be issued twice: START is checkpointed before it runs, and it is not retried.
    tool_step_configs={"issue_refund": StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)},
    approvals=ToolApprovals(timeout=Duration.from_days(1)),
)
agent = Agent(
    model(),
    name="support",
    instructions="You are a support agent. Look the order up before refunding it; refund at most its total.",
    capabilities=[durability],
)


@agent.tool_plain
def lookup_order(order_id: str) -> dict[str, Any]:
    """The order: its status and total."""
    return ORDERS.get(order_id, {"order_id": order_id, "status": "unknown", "total": 0})


@agent.tool_plain(requires_approval=True)
def issue_refund(order_id: str, amount: int) -> str:
    """Refund ``amount`` on the order (a person approves it first)."""
    logger.info("refund issued", order_id=order_id, amount=amount)
    return f"refunded {amount} on {order_id}"


@logger.inject_lambda_context
@durable_handler(logger=logger, tracer=tracer)
async def handler(event: dict[str, Any], context: AsyncDurableContext) -> dict[str, Any]:
    result = await agent.run(f"Order {event['order_id']}: {event.get('message', 'please refund it')}")
    return {"answer": result.output, "model_requests": result.usage.requests}
