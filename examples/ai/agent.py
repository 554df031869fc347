import os

from aws_lambda_powertools import Logger, Tracer
from pydantic_ai import Agent

from powertools_durable import durable_handler
from powertools_durable.ai import PowertoolsDurability
from powertools_durable.aio import AsyncDurableContext

logger = Logger()
tracer = Tracer()

# "test" is Pydantic AI's TestModel (offline); on AWS e.g. "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0"
agent = Agent(os.environ.get("AGENT_MODEL", "test"), name="orders", capabilities=[PowertoolsDurability()])


@agent.tool_plain
def lookup_order(order_id: str) -> dict:
    return {"order_id": order_id, "status": "shipped"}  # a step: not run again on replay


@logger.inject_lambda_context
@durable_handler(logger=logger, tracer=tracer)
async def handler(event: dict, context: AsyncDurableContext) -> str:
    result = await agent.run(event["question"])  # each model request: a step
    return result.output
