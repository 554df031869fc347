"""Durable Pydantic AI agents on Lambda: ``pip install "powertools-durable[ai]"``.

Imported only when used (``import powertools_durable`` never imports Pydantic AI)::

    from powertools_durable.ai import PowertoolsDurability

    agent = Agent(model, name="support", capabilities=[PowertoolsDurability()])

    @durable_handler(logger=logger)
    async def handler(event: dict, context: AsyncDurableContext) -> str:
        return (await agent.run(event["question"])).output

Each model request and each tool call is a step; a tool that needs approval is a callback.
"""

from powertools_durable.ai.approvals import ApprovalAnswer, ApprovalRequest, CallbackWaiter, ToolApprovals
from powertools_durable.ai.backend import StepBackend, StepConfigs, StepNamer
from powertools_durable.ai.capability import PowertoolsDurability
from powertools_durable.ai.exceptions import ApprovalAnswerError, NotInDurableHandlerError

__all__ = [
    "ApprovalAnswer",
    "ApprovalAnswerError",
    "ApprovalRequest",
    "CallbackWaiter",
    "NotInDurableHandlerError",
    "PowertoolsDurability",
    "StepBackend",
    "StepConfigs",
    "StepNamer",
    "ToolApprovals",
]
