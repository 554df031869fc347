"""A durable Pydantic AI agent: ``python benchmarks/agent.py`` (needs ``pip install -e ".[ai]"``).

A 10-turn agent run (turns 1-9 each call one tool, turn 10 answers), with ``PowertoolsDurability``
in an async durable handler: 19 steps (10 model requests, 9 tool calls). Reported against the
in-process fake and with a simulated 10 ms round trip per checkpoint call (``fanout.LatentService``):

- checkpoint calls, updates and request bytes of the run, and the bytes its history stores;
- wall time of the run, next to the same agent run without durability (plain ``agent.run``), and
  the round-trip floor (one round trip per step: a step's result is never reported before its
  checkpoint is acknowledged);
- the replay of the whole history: model calls, tool runs and checkpoint calls (all 0), wall time.

The model is a ``FunctionModel`` (no network): the figures are the integration's cost, not a model's.
Prints, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fanout import LatentService  # noqa: E402
from pydantic_ai import Agent  # noqa: E402
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart  # noqa: E402
from pydantic_ai.models.function import AgentInfo, FunctionModel  # noqa: E402
from workloads import MeteredService  # noqa: E402

from powertools_durable import durable_execution  # noqa: E402
from powertools_durable.ai import PowertoolsDurability  # noqa: E402

TURNS = 10


class Counted:
    """The scripted model and tool, counting what really ran (a replay must add nothing)."""

    def __init__(self) -> None:
        self.model_calls = 0
        self.tool_runs = 0

    def script(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.model_calls += 1
        turn = 1 + sum(isinstance(m, ModelResponse) for m in messages)
        if turn < TURNS:
            return ModelResponse(
                parts=[ToolCallPart("lookup_order", {"order_id": f"o-{turn}"}, tool_call_id=f"c{turn}")]
            )
        return ModelResponse(parts=[TextPart(f"looked up {TURNS - 1} orders")])


def build_agent(counted: Counted, durable: bool) -> Agent[None, str]:
    capabilities = [PowertoolsDurability()] if durable else []
    agent: Agent[None, str] = Agent(FunctionModel(counted.script), name="bench", capabilities=capabilities)

    @agent.tool_plain
    def lookup_order(order_id: str) -> dict[str, Any]:
        counted.tool_runs += 1
        return {"order_id": order_id, "status": "shipped", "items": [{"sku": "A-1", "quantity": 2}]}

    return agent


def durable_run(latency: float) -> dict[str, float]:
    """One fresh run, then a replay of its whole history."""
    service = LatentService(latency)
    service.start({})
    meter = MeteredService(service, measure_bytes=True)
    counted = Counted()
    agent = build_agent(counted, durable=True)

    async def handler(event: Any, context: Any) -> str:
        return (await agent.run("look my orders up")).output

    lambda_handler = durable_execution(handler, boto3_client=meter)
    gc.collect()
    start = time.perf_counter()
    output = lambda_handler(service.envelope(), None)
    wall = time.perf_counter() - start
    assert output["Status"] == "SUCCEEDED", output
    fresh = {
        "wall": wall,
        "calls": meter.checkpoint_calls,
        "updates": meter.updates,
        "request_bytes": meter.request_bytes,
        "stored_bytes": sum(len(json.dumps(op)) for op in service.operations.values()),
        "model_calls": counted.model_calls,
    }
    meter.reset(service)
    counted.model_calls = counted.tool_runs = 0
    start = time.perf_counter()
    replayed = lambda_handler(service.envelope(), None)
    fresh["replay_wall"] = time.perf_counter() - start
    assert replayed["Result"] == output["Result"]
    fresh["replay_calls"] = meter.checkpoint_calls
    fresh["replay_model_calls"] = counted.model_calls
    fresh["replay_tool_runs"] = counted.tool_runs
    return fresh


def plain_run() -> float:
    agent = build_agent(Counted(), durable=False)
    gc.collect()
    start = time.perf_counter()
    asyncio.run(agent.run("look my orders up"))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; {TURNS}-turn agent run ({2 * TURNS - 1} steps); median of {args.repeat}")
    plain = statistics.median(plain_run() for _ in range(args.repeat))
    print(f"\nwithout durability (plain agent.run): {plain * 1000:.1f} ms")
    for latency_ms in (0.0, args.latency_ms):
        runs = [durable_run(latency_ms / 1000) for _ in range(args.repeat)]
        last = runs[-1]
        wall = statistics.median(r["wall"] for r in runs)
        replay = statistics.median(r["replay_wall"] for r in runs)
        floor = (2 * TURNS - 1) * latency_ms  # one acknowledged round trip per step
        print(f"\ndurable, {'in-process fake' if not latency_ms else f'{latency_ms:.0f} ms round trip'}:")
        print(f"  wall {wall * 1000:.1f} ms (floor {floor:.0f} ms), {last['calls']:.0f} checkpoint calls, ", end="")
        print(f"{last['updates']:.0f} updates, {last['request_bytes'] / 1024:.1f} KiB sent, ", end="")
        print(f"history {last['stored_bytes'] / 1024:.1f} KiB, {last['model_calls']:.0f} model calls")
        print(
            f"  replay of the whole history: {replay * 1000:.1f} ms, {last['replay_calls']:.0f} checkpoint calls, ",
            end="",
        )
        print(f"{last['replay_model_calls']:.0f} model calls, {last['replay_tool_runs']:.0f} tool runs")


if __name__ == "__main__":
    main()
