"""Scripted agents for the Pydantic AI tests: a FunctionModel that counts its calls, tools that record their runs."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import Agent
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from powertools_durable.ai import PowertoolsDurability

Turn = Callable[[list[ModelMessage]], ModelResponse]


@dataclass
class Script:
    """A model that answers turn ``n`` with ``turns[n]``; ``calls`` counts its requests (replays must not add any)."""

    turns: list[Turn]
    calls: int = 0

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.calls += 1
        turn = sum(isinstance(m, ModelResponse) for m in messages)
        return self.turns[turn](messages)

    @property
    def model(self) -> FunctionModel:
        return FunctionModel(self, model_name="scripted")


def call(*calls: tuple[str, dict[str, Any], str]) -> Turn:
    """A turn that calls tools: ``(tool name, args, tool call id)`` each."""
    return lambda _: ModelResponse(parts=[ToolCallPart(name, args, tool_call_id=cid) for name, args, cid in calls])


def answer_with_returns(prefix: str = "done") -> Turn:
    """A final turn that answers with the tool returns (or denials) of the previous turn."""

    def turn(messages: list[ModelMessage]) -> ModelResponse:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        returns = [str(p.content) for p in last.parts if isinstance(p, ToolReturnPart)]
        return ModelResponse(parts=[TextPart(f"{prefix}: {' | '.join(returns)}")])

    return turn


@dataclass
class Tools:
    """What the tools did: each run of each tool, in completion order."""

    runs: list[str] = field(default_factory=list)
    jitter: bool = False
    delays: dict[str, float] = field(default_factory=dict)  # lookup_order's sleep per order id


def support_agent(
    script: Script,
    tools: Tools,
    capability: PowertoolsDurability[Any] | None = None,
    *others: AbstractCapability[Any],
) -> Agent[Any, str]:
    """An agent with ``lookup_order`` (async, may sleep a random moment) and ``issue_refund`` (needs approval)."""
    capabilities = [capability or PowertoolsDurability(), *others]
    agent: Agent[Any, str] = Agent(script.model, name="support", capabilities=capabilities)

    @agent.tool_plain
    async def lookup_order(order_id: str) -> dict[str, str]:
        if tools.jitter:
            await asyncio.sleep(random.uniform(0, 0.005))
        await asyncio.sleep(tools.delays.get(order_id, 0))
        tools.runs.append(f"lookup_order:{order_id}")
        return {"order_id": order_id, "status": "shipped"}

    @agent.tool_plain(requires_approval=True)
    def issue_refund(order_id: str, amount: int) -> str:
        tools.runs.append(f"issue_refund:{order_id}")
        return f"refunded {amount} on {order_id}"

    return agent
