from collections.abc import AsyncIterable

from pydantic_ai import Agent, RunContext
from pydantic_ai.messages import AgentStreamEvent

from powertools_durable import durable_handler
from powertools_durable.ai import PowertoolsDurability
from powertools_durable.aio import AsyncDurableContext

sent: list[str] = []  # stands in for a websocket, a queue, an AppSync subscription ...


async def push(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
    """Model events arrive live inside their model request's step; every other event in a step of its own."""
    async for event in events:
        sent.append(event.event_kind)


agent = Agent("test", name="orders", capabilities=[PowertoolsDurability(event_stream_handler=push)])


@agent.tool_plain
def lookup_order(order_id: str) -> dict:
    return {"order_id": order_id, "status": "shipped"}


@durable_handler
async def handler(event: dict, context: AsyncDurableContext) -> str:
    async with agent.run_stream(event["question"]) as result:  # read back from the checkpoints: buffered
        return "".join([chunk async for chunk in result.stream_text(delta=True)])
