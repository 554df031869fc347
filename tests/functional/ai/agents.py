"""Scripted agents for the Pydantic AI tests: models that count their calls, tools that record their runs, replays."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import Agent
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from powertools_durable.ai import PowertoolsDurability
from powertools_durable.local.memory import InMemoryDurableService

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


@dataclass
class StreamScript:
    """A streaming model: turn 0 calls ``lookup_order`` for each of ``orders``, turn 1 streams ``chunks``.

    ``calls`` counts its requests; ``fail_at`` makes the next ``failures`` final streams break after that many chunks.
    """

    orders: list[str]
    chunks: list[str]
    calls: int = 0
    failures: int = 0
    fail_at: int = 0

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        self.calls += 1
        if not any(isinstance(m, ModelResponse) for m in messages):
            args = {i: json.dumps({"order_id": order}) for i, order in enumerate(self.orders)}
            yield {i: DeltaToolCall(name="lookup_order", json_args=a, tool_call_id=f"c{i}") for i, a in args.items()}
            return
        for n, chunk in enumerate(self.chunks):
            if self.failures and n == self.fail_at:
                self.failures -= 1
                raise ConnectionError("the model's stream broke off")
            yield chunk

    @property
    def model(self) -> FunctionModel:
        return FunctionModel(stream_function=self, model_name="streamed")


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
    script: Script | StreamScript,
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


def replays_call_nothing(
    service: InMemoryDurableService, handler: Any, result: Any, *counters: Callable[[], Any]
) -> None:
    """Replay the whole history twice: ``result`` each time, no new checkpoint, none of ``counters`` moved."""
    checkpoints, before = len(service.calls), [count() for count in counters]
    outputs = [handler(service.envelope(), None) for _ in range(2)]
    assert [json.loads(output["Result"]) for output in outputs] == [result, result]
    assert len(service.calls) == checkpoints
    assert [count() for count in counters] == before
