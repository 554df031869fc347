"""Toolsets beyond the agent's own tools: each tool call is a step, wherever the toolset comes from.

``FunctionToolset`` and ``CombinedToolset`` given to the agent, a toolset given to one run
(``agent.run(toolsets=[...])``), and an MCP server over stdio started from a local script: the first
run checkpoints each call, a replay calls no tool (and starts no MCP server).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from fastmcp.client.transports import PythonStdioTransport
from pydantic_ai import Agent, FunctionToolset
from pydantic_ai.capabilities import Toolset
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.toolsets import AbstractToolset, CombinedToolset, DynamicToolset

from powertools_durable import durable_execution
from powertools_durable.ai import PowertoolsDurability
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.ai.agents import Script, Tools, answer_with_returns, call, replays_call_nothing
from tests.functional.ai.test_agent_steps import steps

SERVER = Path(__file__).with_name("mcp_orders_server.py")


def orders_toolset(tools: Tools, toolset_id: str | None = "orders") -> FunctionToolset[Any]:
    """A FunctionToolset with ``find_order``, recording its runs in ``tools``."""
    toolset: FunctionToolset[Any] = FunctionToolset(id=toolset_id)

    @toolset.tool_plain
    def find_order(order_id: str) -> str:
        tools.runs.append(f"find_order:{order_id}")
        return f"{order_id}: shipped"

    return toolset


def refunds_toolset(tools: Tools) -> FunctionToolset[Any]:
    toolset: FunctionToolset[Any] = FunctionToolset(id="refunds")

    @toolset.tool_plain
    def refund_status(order_id: str) -> str:
        tools.runs.append(f"refund_status:{order_id}")
        return f"{order_id}: no refund"

    return toolset


def mcp_toolset(log: Path, toolset_id: str | None = "orders-mcp") -> MCPToolset[Any]:
    """The local MCP server over stdio, its starts and calls logged to ``log``; ended with the run."""
    transport = PythonStdioTransport(
        SERVER, env={"MCP_CALL_LOG": str(log)}, python_cmd=sys.executable, keep_alive=False
    )
    return MCPToolset(transport, id=toolset_id)


def agent_with(script: Script, *toolsets: AbstractToolset[Any]) -> Agent[Any, str]:
    return Agent(script.model, name="support", toolsets=list(toolsets), capabilities=[PowertoolsDurability()])


def handler_for(service: InMemoryDurableService, agent: Agent[Any, str], *run_toolsets: Any) -> Any:
    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        # Built on each invocation, as a user's handler builds them: the same toolsets every time.
        toolsets = [make() for make in run_toolsets] or None
        return (await agent.run("where is o-1?", toolsets=toolsets)).output

    return handler


def test_a_function_toolset_given_to_the_agent_is_a_step_per_call(service: InMemoryDurableService):
    # GIVEN an agent built with a FunctionToolset of its own id
    script, tools = Script([call(("find_order", {"order_id": "o-1"}, "c1")), answer_with_returns()]), Tools()
    handler = handler_for(service, agent_with(script, orders_toolset(tools)))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the toolset's call is a step named after the tool, and a replay runs nothing again
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "done: o-1: shipped"
    assert [name for _, name, _ in steps(service)] == ["model-request-1", "find_order", "model-request-2"]
    assert tools.runs == ["find_order:o-1"]
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))


def test_a_combined_toolset_makes_each_inner_toolsets_calls_steps(service: InMemoryDurableService):
    # GIVEN an agent built with a CombinedToolset of two FunctionToolsets, and a turn calling a tool of each
    tools = Tools()
    combined = CombinedToolset([orders_toolset(tools), refunds_toolset(tools)])
    script = Script(
        [
            call(("find_order", {"order_id": "o-1"}, "c1"), ("refund_status", {"order_id": "o-1"}, "c2")),
            answer_with_returns(),
        ]
    )
    handler = handler_for(service, agent_with(script, combined))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN each call is a step, ids in the response's order, and a replay runs nothing again
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "done: o-1: shipped | o-1: no refund"
    assert [name for _, name, _ in steps(service)] == [
        "model-request-1",
        "find_order",
        "refund_status",
        "model-request-2",
    ]
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))


@pytest.mark.parametrize("toolset_id", ["orders", None])
def test_a_function_toolset_given_to_one_run_is_a_step_per_call(service: InMemoryDurableService, toolset_id: Any):
    # GIVEN an agent without tools of its own, given a FunctionToolset by agent.run(toolsets=[...])
    script, tools = Script([call(("find_order", {"order_id": "o-1"}, "c1")), answer_with_returns()]), Tools()
    agent: Agent[Any, str] = Agent(script.model, name="support", capabilities=[PowertoolsDurability()])
    handler = handler_for(service, agent, lambda: orders_toolset(tools, toolset_id))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the run-time toolset's call is a step as the agent's own would be, and a replay does not run it again
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "done: o-1: shipped"
    assert [name for _, name, _ in steps(service)] == ["model-request-1", "find_order", "model-request-2"]
    assert tools.runs == ["find_order:o-1"]
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))


@pytest.mark.parametrize("given_by", ["override", "capability"])
def test_a_toolset_swapped_in_by_override_or_a_per_run_capability_is_a_step_per_call(
    service: InMemoryDurableService, given_by: str
):
    # GIVEN a FunctionToolset given by agent.override(toolsets=...), or by a capability added to one run
    script, tools = Script([call(("find_order", {"order_id": "o-1"}, "c1")), answer_with_returns()]), Tools()
    agent: Agent[Any, str] = Agent(script.model, name="support", capabilities=[PowertoolsDurability()])

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        if given_by == "override":
            with agent.override(toolsets=[orders_toolset(tools)]):
                return (await agent.run("where is o-1?")).output
        return (await agent.run("where is o-1?", capabilities=[Toolset(orders_toolset(tools))])).output

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the call is a step, and a replay does not run the tool again
    assert run.status == "SUCCEEDED", run.error
    assert [name for _, name, _ in steps(service)] == ["model-request-1", "find_order", "model-request-2"]
    assert tools.runs == ["find_order:o-1"]
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))


def test_a_dynamic_toolset_given_to_one_run_lists_and_calls_in_steps(service: InMemoryDurableService):
    # GIVEN a DynamicToolset (resolved on each model turn) given to one run
    script, tools = Script([call(("find_order", {"order_id": "o-1"}, "c1")), answer_with_returns()]), Tools()
    agent: Agent[Any, str] = Agent(script.model, name="support", capabilities=[PowertoolsDurability()])
    handler = handler_for(service, agent, lambda: DynamicToolset(lambda ctx: orders_toolset(tools), id="by-turn"))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN each turn's listing and the call are steps, and a replay runs nothing again
    assert run.status == "SUCCEEDED", run.error
    assert [name for _, name, _ in steps(service)] == [
        "list-tools-by-turn",
        "model-request-1",
        "find_order",
        "list-tools-by-turn",
        "model-request-2",
    ]
    assert tools.runs == ["find_order:o-1"]
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))


def test_run_time_toolsets_sharing_an_id_fail_the_run_naming_the_id(service: InMemoryDurableService):
    # GIVEN two toolsets given to one run under the same id
    script, tools = Script([call(("find_order", {"order_id": "o-1"}, "c1")), answer_with_returns()]), Tools()
    agent: Agent[Any, str] = Agent(script.model, name="support", capabilities=[PowertoolsDurability()])
    handler = handler_for(service, agent, lambda: orders_toolset(tools), lambda: FunctionToolset(id="orders"))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the run fails before the model is asked, the error naming the id and what to do
    assert run.status == "FAILED"
    assert run.error is not None
    assert "two toolsets given to this run have the `id` 'orders'" in run.error["ErrorMessage"]
    assert (script.calls, tools.runs) == (0, [])


@pytest.mark.parametrize("given_to", ["agent", "run"])
def test_an_mcp_server_over_stdio_is_listed_and_called_in_steps_and_replay_never_starts_it(
    service: InMemoryDurableService, tmp_path: Path, given_to: str
):
    # GIVEN an MCP server started over stdio from a local script, given to the agent or to one run
    log = tmp_path / "mcp.log"
    script = Script([call(("track", {"order_id": "o-1"}, "c1")), answer_with_returns()])
    if given_to == "agent":
        handler = handler_for(service, agent_with(script, mcp_toolset(log)))
    else:
        handler = handler_for(service, agent_with(script), lambda: mcp_toolset(log))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the server's tool listing and the tool call are steps, the server was started once, called once
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "done: o-1: in transit"
    assert [name for _, name, _ in steps(service)] == [
        "list-tools-orders-mcp",
        "model-request-1",
        "mcp-call-orders-mcp-track",
        "model-request-2",
    ]
    assert log.read_text().splitlines() == ["start", "track:o-1"]
    # AND a replay neither starts the server nor calls it
    replays_call_nothing(service, handler, run.result, lambda: script.calls, log.read_text)


def test_an_mcp_server_given_to_one_run_without_an_id_fails_the_run_naming_the_fix(
    service: InMemoryDurableService, tmp_path: Path
):
    # GIVEN an MCP server without an id given to one run (its steps would have nothing to be named after)
    log = tmp_path / "mcp.log"
    script = Script([call(("track", {"order_id": "o-1"}, "c1")), answer_with_returns()])
    agent: Agent[Any, str] = Agent(script.model, name="support", capabilities=[PowertoolsDurability()])
    handler = handler_for(service, agent, lambda: mcp_toolset(log, None))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN it fails before anything ran, the error saying to pass an id
    assert run.status == "FAILED"
    assert run.error is not None
    assert "was given to this run without an `id`" in run.error["ErrorMessage"]
    assert "pass `id=...` to the toolset" in run.error["ErrorMessage"]
    assert script.calls == 0
    assert not log.exists()
