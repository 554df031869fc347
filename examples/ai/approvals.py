from aws_lambda_powertools import Logger
from pydantic_ai import Agent

from powertools_durable import Duration, StepConfig, StepSemantics, durable_handler
from powertools_durable.ai import ApprovalRequest, PowertoolsDurability, ToolApprovals
from powertools_durable.aio import AsyncDurableContext

logger = Logger()
outbox: list[dict] = []  # stands in for a queue, a ticket, a chat message ...


def notify(callback_id: str, request: ApprovalRequest) -> None:
    """Runs once (a step): tell the approver what to answer, and where."""
    outbox.append({"callback_id": callback_id, "tool": request.tool_name, "args": request.args})


durability = PowertoolsDurability(
    tool_step_configs={"issue_refund": StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)},
    approvals=ToolApprovals(notify=notify, timeout=Duration.from_days(2)),
)
agent = Agent("test", name="refunds", capabilities=[durability])


@agent.tool_plain(requires_approval=True)
def issue_refund(order_id: str, amount: int) -> str:
    return f"refunded {amount} on {order_id}"  # runs only once approved


@durable_handler(logger=logger)
async def handler(event: dict, context: AsyncDurableContext) -> str:
    result = await agent.run(f"Refund order {event['order_id']}")
    return result.output
