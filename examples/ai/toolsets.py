from pathlib import Path

from fastmcp.client.transports import PythonStdioTransport
from pydantic_ai import Agent, FunctionToolset
from pydantic_ai.mcp import MCPToolset

from powertools_durable import durable_handler
from powertools_durable.ai import PowertoolsDurability
from powertools_durable.aio import AsyncDurableContext

server = PythonStdioTransport(Path(__file__).with_name("orders_mcp_server.py"), keep_alive=False)
orders = MCPToolset(server, id="orders")  # steps: list-tools-orders, mcp-call-orders-track
agent = Agent("test", name="support", toolsets=[orders], capabilities=[PowertoolsDurability()])


def refunds_for(customer: str) -> FunctionToolset:
    refunds = FunctionToolset(id="refunds")

    @refunds.tool_plain
    def refund_status(order_id: str) -> str:
        return f"{order_id}: no refund for {customer}"

    return refunds


@durable_handler
async def handler(event: dict, context: AsyncDurableContext) -> str:
    # A toolset given to the run: its calls are steps too (refund_status), the same on every invocation.
    result = await agent.run(event["question"], toolsets=[refunds_for(event["customer"])])
    return result.output
