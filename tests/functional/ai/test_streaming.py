"""Streamed agent runs under PowertoolsDurability: the stream is consumed inside the model request's step.

What the caller of ``run_stream`` / ``run_stream_events`` / ``iter`` reads is replayed from the step's
checkpoint (buffered, not live), so a replay yields the same chunks without calling the model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from pydantic_ai import Agent
from pydantic_ai.agent import ModelRequestNode
from pydantic_ai.messages import AgentStreamEvent, FunctionToolResultEvent, ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls

from powertools_durable import Duration, RetryDecision, StepConfig, durable_execution
from powertools_durable.ai import PowertoolsDurability
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.ai.agents import StreamScript, Tools, replays_call_nothing, support_agent
from tests.functional.ai.test_agent_steps import steps
from tests.functional.conftest import op_id

STEPS = ["model-request-1", "lookup_order", "model-request-2"]


def stream_handler(service: InMemoryDurableService, agent: Agent[Any, str], seen: list[Any]) -> Any:
    """A handler that reads the run through ``run_stream`` (text deltas) and returns them."""

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> list[str]:
        async with agent.run_stream("where is o-1?") as result:
            chunks = [chunk async for chunk in result.stream_text(delta=True)]
        seen.append(chunks)
        return chunks

    return handler


def test_run_stream_checkpoints_each_streamed_model_request_and_replays_without_the_model(
    service: InMemoryDurableService,
):
    # GIVEN an agent whose model streams a tool call, then its answer in three chunks
    script, tools, seen = StreamScript(["o-1"], ["o-1 ", "has ", "shipped"]), Tools(), []
    handler = stream_handler(service, support_agent(script, tools), seen)

    # WHEN the handler reads the run with run_stream
    run = run_to_completion(handler, {}, service=service)

    # THEN it completes with the whole answer, each model request and the tool call a step
    assert run.status == "SUCCEEDED", run.error
    assert "".join(run.result) == "o-1 has shipped"
    assert [name for _, name, _ in steps(service)] == STEPS
    assert (script.calls, tools.runs) == (2, ["lookup_order:o-1"])
    # AND a replay reads the same chunks from the checkpoints, calling neither the model nor the tool
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))
    assert seen == [run.result] * 3


def test_run_stream_events_and_iter_with_streamed_nodes_replay_the_same_events(service: InMemoryDurableService):
    # GIVEN a streamed agent read twice in one handler: its events, then its graph nodes streamed one by one
    script, tools = StreamScript(["o-1"], ["o-1 ", "has ", "shipped"]), Tools()
    agent = support_agent(script, tools)

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> list[Any]:
        async with agent.run_stream_events("where is o-1?") as stream:
            events = [type(e).__name__ async for e in stream]
        nodes: list[str] = []
        async with agent.iter("and now?") as run:
            async for node in run:
                nodes.append(type(node).__name__)
                if isinstance(node, ModelRequestNode):
                    async with node.stream(run.ctx) as model_stream:
                        nodes.extend([type(e).__name__ async for e in model_stream])
        assert run.result is not None
        return [events, nodes, run.result.output]

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN both runs completed, with their model requests and tool calls as steps (numbered on across runs)
    assert run.status == "SUCCEEDED", run.error
    events, nodes, output = run.result
    assert events[-1] == "AgentRunResultEvent"
    assert "FunctionToolResultEvent" in events
    assert nodes.count("ModelRequestNode") == 2
    assert "PartStartEvent" in nodes
    assert output == "o-1 has shipped"
    assert [name for _, name, _ in steps(service)] == [
        *STEPS,
        "model-request-3",
        "lookup_order",
        "model-request-4",
    ]
    # AND a replay yields the same events and nodes without a model call or a tool run
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))


def test_a_stream_broken_off_midway_retries_its_step_and_the_caller_never_reads_the_partial_chunks(
    service: InMemoryDurableService,
):
    # GIVEN a model whose answer stream breaks after one chunk on its first attempt, and a model step that retries
    script, tools, seen = StreamScript(["o-1"], ["o-1 ", "has ", "shipped"], failures=1, fail_at=1), Tools(), []

    def retry(error: Exception, attempt: int) -> RetryDecision:
        return RetryDecision.retry(Duration.from_seconds(1)) if attempt < 3 else RetryDecision.no_retry()

    capability: PowertoolsDurability[Any] = PowertoolsDurability(model_step_config=StepConfig(retry_strategy=retry))
    handler = stream_handler(service, support_agent(script, tools, capability), seen)

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the broken attempt was retried as a step, and the caller only ever read the whole answer
    assert run.status == "SUCCEEDED", run.error
    assert "".join(run.result) == "o-1 has shipped"
    assert script.calls == 3
    assert [u["Action"] for c in service.calls for u in c.updates if u["Id"] == op_id(3)] == [
        "START",
        "RETRY",
        "START",
        "SUCCEED",
    ]
    assert seen == [run.result]  # the invocation that met the break suspended before the caller read anything
    replays_call_nothing(service, handler, run.result, lambda: script.calls)


def durable_events_agent(script: StreamScript, tools: Tools, delivered: list[str], **options: Any) -> Agent[Any, str]:
    """An agent with PowertoolsDurability(event_stream_handler=...) recording each event it is given."""

    async def on_events(ctx: Any, stream: Any) -> None:
        async for event in stream:
            delivered.append(describe(event))

    return support_agent(script, tools, PowertoolsDurability(event_stream_handler=on_events, **options))


def describe(event: AgentStreamEvent) -> str:
    if isinstance(event, FunctionToolResultEvent):
        return f"{type(event).__name__}:{event.tool_call_id}"
    return type(event).__name__


def run_handler(service: InMemoryDurableService, agent: Agent[Any, str]) -> Any:
    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        return (await agent.run("where are my orders?")).output

    return handler


def test_an_event_stream_handler_on_the_capability_gets_each_event_once_and_none_on_replay(
    service: InMemoryDurableService,
):
    # GIVEN an agent whose durability capability has an event stream handler
    script, tools, delivered = StreamScript(["o-1"], ["o-1 ", "has ", "shipped"]), Tools(), []
    handler = run_handler(service, durable_events_agent(script, tools, delivered))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the handler got the model's events live (inside its step) and each tool event in a step of its own
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "o-1 has shipped"
    assert delivered[:2] == ["PartStartEvent", "PartEndEvent"]
    assert delivered[2:4] == ["FunctionToolCallEvent", "FunctionToolResultEvent:c0"]
    assert delivered.count("PartDeltaEvent") == 2  # the answer's chunks, as the model streamed them
    assert [name for _, name, _ in steps(service)] == [
        "model-request-1",
        "event-stream-handler",
        "lookup_order",
        "event-stream-handler",
        "model-request-2",
    ]
    # AND a replay delivers nothing again, calls neither the model nor the tool, and checkpoints nothing
    replays_call_nothing(
        service, handler, run.result, lambda: len(delivered), lambda: script.calls, lambda: len(tools.runs)
    )


def test_tool_events_take_the_same_step_ids_whatever_order_the_tools_finish_in():
    # GIVEN one model turn calling three tools, made to finish in opposite orders in two executions
    histories, delivered_orders = [], []
    for delays in ({"o-1": 0.03, "o-2": 0.015, "o-3": 0.0}, {"o-1": 0.0, "o-2": 0.015, "o-3": 0.03}):
        service, delivered = InMemoryDurableService(), []
        script = StreamScript(["o-1", "o-2", "o-3"], ["all ", "shipped"])
        handler = run_handler(service, durable_events_agent(script, Tools(delays=delays), delivered))

        # WHEN each execution runs, then is replayed
        run = run_to_completion(handler, {}, service=service)
        assert run.status == "SUCCEEDED", run.error
        replays_call_nothing(service, handler, run.result, lambda: len(delivered), lambda: script.calls)  # noqa: B023
        delivered_orders.append([e for e in delivered if e.startswith("FunctionToolResultEvent")])
        positions = {op_id(n): n for n in range(1, 20)}
        histories.append(
            sorted((positions[op["Id"]], op["Name"]) for op in service.operations.values() if op["Type"] == "STEP")
        )

    # THEN the result events came in different orders, yet both executions recorded the same ids and names
    assert delivered_orders[0] != delivered_orders[1]
    assert histories[0] == histories[1]
    assert [name for _, name in histories[0]] == [
        "model-request-1",
        *["event-stream-handler"] * 3,
        *["lookup_order"] * 3,
        *["event-stream-handler"] * 3,
        "model-request-2",
    ]


def test_event_step_config_is_the_config_of_each_event_step(service: InMemoryDurableService):
    # GIVEN an event stream handler that fails on tool events, and an event step config that never retries
    script, tools = StreamScript(["o-1"], ["done"]), Tools()

    async def on_events(ctx: Any, stream: Any) -> None:
        async for event in stream:
            if type(event).__name__ == "FunctionToolCallEvent":
                raise RuntimeError("the event queue is unreachable")

    never = StepConfig(retry_strategy=lambda error, attempt: RetryDecision.no_retry())
    capability: PowertoolsDurability[Any] = PowertoolsDurability(
        event_stream_handler=on_events, event_step_config=never
    )
    handler = run_handler(service, support_agent(script, tools, capability))

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the event's step failed at once (no retry), failing the run before the tool ran
    assert run.status == "FAILED"
    assert run.error is not None
    assert "the event queue is unreachable" in run.error["ErrorMessage"]
    assert steps(service)[-1][1:] == ("event-stream-handler", "FAILED")
    assert [u["Action"] for c in service.calls for u in c.updates if u["Id"] == op_id(2)] == ["START", "FAIL"]
    assert tools.runs == []


def test_a_per_run_event_stream_handler_runs_outside_the_steps_and_again_on_every_replay(
    service: InMemoryDurableService,
):
    # GIVEN a handler passed to agent.run (not to the capability): Pydantic AI runs it outside the durable units
    script, tools, delivered = StreamScript(["o-1"], ["o-1 ", "shipped"]), Tools(), []
    agent = support_agent(script, tools)

    async def on_events(ctx: Any, stream: Any) -> None:
        async for event in stream:
            delivered.append(describe(event))

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        return (await agent.run("where?", event_stream_handler=on_events)).output

    # WHEN it runs, then its history is replayed
    run = run_to_completion(handler, {}, service=service)
    first = list(delivered)
    replayed = handler(service.envelope(), None)

    # THEN no step was added for the events, and the replay gave the handler the same events again
    # (rebuilt from the checkpoints: the model and the tool were not called again)
    assert run.status == "SUCCEEDED", run.error
    assert [name for _, name, _ in steps(service)] == STEPS
    assert json.loads(replayed["Result"]) == run.result
    assert delivered == first + first
    assert (script.calls, len(tools.runs)) == (2, 1)


class RefundStream(StreamScript):
    """Turn 0 asks for a refund (a tool that needs approval), turn 1 streams the answer."""

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        self.calls += 1
        if not any(isinstance(m, ModelResponse) for m in messages):
            args = json.dumps({"order_id": "o-1", "amount": 20})
            yield {0: DeltaToolCall(name="issue_refund", json_args=args, tool_call_id="r1")}
            return
        for chunk in self.chunks:
            yield chunk


def approve_once(service: InMemoryDurableService) -> bool:
    """The approver: answers the refund's callback once it exists."""
    if any(op.get("Name") == "issue_refund" for op in service.operations.values()):
        return False
    callback_id = service.callback_id("approve-issue_refund create callback id")
    service.answer_callback(callback_id, result=json.dumps({"approved": True}))
    return True


def test_run_stream_events_waits_for_an_approval_and_run_stream_leaves_it_to_pydantic_ai(
    service: InMemoryDurableService,
):
    # GIVEN a streamed run whose model asks for a refund that needs approval, read with run_stream_events
    script, tools = RefundStream([], ["refund ", "issued"]), Tools()
    agent = support_agent(script, tools)

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        async with agent.run_stream_events("refund o-1") as stream:
            events = [e async for e in stream]
        return str(events[-1].result.output)  # type: ignore[union-attr]

    # WHEN it runs, suspended until the approver answers
    run = run_to_completion(handler, {}, service=service, external=approve_once)

    # THEN it suspended on the callback, then refunded once approved, and a replay calls nothing
    assert run.status == "SUCCEEDED", run.error
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]
    assert run.result == "refund issued"
    assert tools.runs == ["issue_refund:o-1"]
    replays_call_nothing(service, handler, run.result, lambda: script.calls, lambda: len(tools.runs))

    # AND run_stream, which ends the run at the first response that can be its output (Pydantic AI's rule:
    # a response whose tool needs approval is one), does not wait: it fails with Pydantic AI's own error
    other = InMemoryDurableService()

    @durable_execution(boto3_client=other)
    async def streamed(event: Any, context: AsyncDurableContext) -> str:
        async with agent.run_stream("refund o-1") as result:
            return str(await result.get_output())

    failed = run_to_completion(streamed, {}, service=other)
    assert failed.status == "FAILED"
    assert failed.error is not None
    assert "`DeferredToolRequests` is not among output types" in failed.error["ErrorMessage"]
