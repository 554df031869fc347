"""A Pydantic AI agent with PowertoolsDurability: model requests and tool calls are steps, replay calls nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import TypeAdapter
from pydantic_ai.messages import ModelResponse, TextPart

from powertools_durable import Duration, RetryDecision, StepConfig, StepSemantics, durable_execution
from powertools_durable.ai import PowertoolsDurability
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.ai.agents import Script, Tools, answer_with_returns, call, support_agent
from tests.functional.conftest import op_id


def steps(service: InMemoryDurableService) -> list[tuple[str, str, str]]:
    """``(id, name, status)`` of every top-level STEP, in id order of creation."""
    return [
        (op["Id"], op["Name"], op["Status"])
        for op in service.operations.values()
        if op["Type"] == "STEP" and not op.get("ParentId")
    ]


def agent_handler(service: InMemoryDurableService, agent: Any) -> Any:
    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        result = await agent.run(event["question"])
        return str(result.output)

    return handler


def three_turns() -> Script:
    return Script(
        [
            call(("lookup_order", {"order_id": "o-1"}, "c1")),
            call(("lookup_order", {"order_id": "o-2"}, "c2")),
            answer_with_returns(),
        ]
    )


def test_a_multi_turn_run_is_one_step_per_model_request_and_per_tool_call(service: InMemoryDurableService):
    # GIVEN an agent whose model calls a tool on each of two turns, then answers
    script, tools = three_turns(), Tools()
    handler = agent_handler(service, support_agent(script, tools))

    # WHEN it runs in an async durable handler
    run = run_to_completion(handler, {"question": "where are my orders?"}, service=service)

    # THEN it completes with the model's answer, after three model requests and two tool runs
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "done: {'order_id': 'o-2', 'status': 'shipped'}"
    assert script.calls == 3
    assert tools.runs == ["lookup_order:o-1", "lookup_order:o-2"]
    # AND the history holds one succeeded step per model request and per tool call, in order, ids in call order
    assert steps(service) == [
        (op_id(1), "model-request-1", "SUCCEEDED"),
        (op_id(2), "lookup_order", "SUCCEEDED"),
        (op_id(3), "model-request-2", "SUCCEEDED"),
        (op_id(4), "lookup_order", "SUCCEEDED"),
        (op_id(5), "model-request-3", "SUCCEEDED"),
    ]


def test_replaying_the_whole_history_calls_neither_the_model_nor_the_tools(service: InMemoryDurableService):
    # GIVEN a completed three-turn run
    script, tools = three_turns(), Tools()
    handler = agent_handler(service, support_agent(script, tools))
    first = run_to_completion(handler, {"question": "where?"}, service=service)
    checkpoints = len(service.calls)

    # WHEN the same history is replayed three times
    outputs = [handler(service.envelope(), None) for _ in range(3)]

    # THEN each replay returns the same answer without a model call, a tool run or a checkpoint
    assert [json.loads(o["Result"]) for o in outputs] == [first.result] * 3
    assert script.calls == 3
    assert len(tools.runs) == 2
    assert len(service.calls) == checkpoints


def test_a_model_response_is_checkpointed_as_plain_json_through_its_type_adapter(service: InMemoryDurableService):
    # GIVEN a completed run
    script, tools = three_turns(), Tools()
    run_to_completion(agent_handler(service, support_agent(script, tools)), {"question": "?"}, service=service)

    # WHEN the first model request's checkpoint is read
    payload = service.operations[op_id(1)]["StepDetails"]["Result"]

    # THEN it is plain JSON naming no class, and validates back into the ModelResponse the model gave
    document = json.loads(payload)
    assert "t" not in document  # not the tagged envelope of ExtendedTypeSerDes
    assert "ModelResponse" not in payload
    response = TypeAdapter(ModelResponse).validate_python(document)
    assert response.parts[0].tool_name == "lookup_order"  # type: ignore[union-attr]
    assert response.model_name == "scripted"


@pytest.mark.parametrize("run_number", range(3))
def test_concurrent_tool_calls_take_the_same_ids_whatever_order_they_finish_in(run_number: int):
    # GIVEN a model turn calling three tools at once, made to finish in three different orders
    orders = [
        {"o-1": 0.03, "o-2": 0.015, "o-3": 0.0},  # last called finishes first
        {"o-1": 0.0, "o-2": 0.015, "o-3": 0.03},  # in call order
        {"o-1": 0.015, "o-2": 0.03, "o-3": 0.0},
    ]
    histories, finished = [], []
    for delays in orders:
        service = InMemoryDurableService()
        script = Script(
            [
                call(
                    ("lookup_order", {"order_id": "o-1"}, "c1"),
                    ("lookup_order", {"order_id": "o-2"}, "c2"),
                    ("lookup_order", {"order_id": "o-3"}, "c3"),
                ),
                answer_with_returns(),
            ]
        )
        tools = Tools(delays=delays)
        handler = agent_handler(service, support_agent(script, tools))

        # WHEN the run executes, then its whole history is replayed twice
        run = run_to_completion(handler, {"question": "?"}, service=service)
        replays = [handler(service.envelope(), None) for _ in range(2)]
        assert [json.loads(r["Result"]) for r in replays] == [run.result] * 2
        assert script.calls == 2
        finished.append(tools.runs)
        # (a model response carries the wall-clock time it was made: its payload differs between executions;
        # sorted by id: the service stores operations in the order their checkpoints arrive)
        histories.append(
            sorted(
                (op["Id"], op.get("Name"), op["StepDetails"]["Result"] if op.get("Name") == "lookup_order" else None)
                for op in service.operations.values()
            )
        )

    # THEN the tools finished in different orders ...
    assert len({tuple(runs) for runs in finished}) > 1
    # ... yet every execution recorded the same ids, names and tool results: each call's id is its place in the
    # response, and every replay took the same ids again (no new checkpoint, the same answer)
    assert histories[0] == histories[1] == histories[2]
    results = {op_id: json.loads(result) for op_id, name, result in histories[0] if name == "lookup_order"}
    assert [results[op_id(n)]["result"]["order_id"] for n in (2, 3, 4)] == ["o-1", "o-2", "o-3"]


def test_per_tool_step_config_retries_a_flaky_tool(service: InMemoryDurableService):
    # GIVEN a tool failing on its first attempt, configured by name to retry once, at most once per retry
    attempts: list[int] = []

    def retry_once(error: Exception, attempt: int) -> RetryDecision:
        return RetryDecision.retry(Duration.from_seconds(1)) if attempt < 2 else RetryDecision.no_retry()

    config = StepConfig(retry_strategy=retry_once, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
    capability: PowertoolsDurability[Any] = PowertoolsDurability(tool_step_configs={"flaky_lookup": config})
    script = Script([call(("flaky_lookup", {"order_id": "o-1"}, "c1")), answer_with_returns()])
    agent = support_agent(script, Tools(), capability)

    @agent.tool_plain
    def flaky_lookup(order_id: str) -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            raise RuntimeError("order service unavailable")
        return f"{order_id}: shipped"

    # WHEN it runs
    run = run_to_completion(agent_handler(service, agent), {"question": "?"}, service=service)

    # THEN the tool step was retried (START checkpointed before each attempt: at most once) and succeeded
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "done: o-1: shipped"
    assert attempts == [1, 2]
    tool_updates = [u["Action"] for c in service.calls for u in c.updates if u["Id"] == op_id(2)]
    assert tool_updates == ["START", "RETRY", "START", "SUCCEED"]
    assert service.operations[op_id(2)]["Name"] == "flaky_lookup"
    # AND the model was not asked again while the tool retried
    assert script.calls == 2


def test_two_agent_runs_in_concurrent_child_contexts_replay_identically(service: InMemoryDurableService):
    # GIVEN two agent runs gathered, each in its own child context (their steps in the child's namespace)
    script, tools = (
        Script([call(("lookup_order", {"order_id": "o-1"}, "c1")), answer_with_returns()]),
        Tools(jitter=True),
    )
    agent = support_agent(script, tools)

    async def ask(child: AsyncDurableContext) -> str:
        return str((await agent.run("where?")).output)

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> list[str]:
        return list(
            await asyncio.gather(
                context.run_in_child_context(ask, name="a"), context.run_in_child_context(ask, name="b")
            )
        )

    # WHEN it runs, then its history is replayed
    run = run_to_completion(handler, {}, service=service)
    replayed = handler(service.envelope(), None)

    # THEN both runs completed with their own numbered steps under their child, and the replay called nothing
    assert run.status == "SUCCEEDED", run.error
    assert json.loads(replayed["Result"]) == run.result
    assert script.calls == 4
    for child in (op_id(1), op_id(2)):
        names = [op["Name"] for op in service.operations.values() if op.get("ParentId") == child]
        assert names == ["model-request-1", "lookup_order", "model-request-2"]


def test_a_model_response_over_the_checkpoint_limit_fails_its_step_naming_the_size(service: InMemoryDurableService):
    # GIVEN a model whose answer is 300 KB, and a step config that does not retry
    script = Script([lambda _: ModelResponse(parts=[TextPart("x" * 300_000)])])
    capability: PowertoolsDurability[Any] = PowertoolsDurability(
        model_step_config=StepConfig(retry_strategy=lambda error, attempt: RetryDecision.no_retry())
    )
    handler = agent_handler(service, support_agent(script, Tools(), capability))

    # WHEN it runs
    run = run_to_completion(handler, {"question": "?"}, service=service)

    # THEN the execution fails with the step's error, which names the size and the limit
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"].endswith("StepError")
    assert "a checkpoint payload holds at most 262144 bytes" in run.error["ErrorMessage"]


def test_an_agent_run_by_a_tool_is_part_of_that_tools_step(service: InMemoryDurableService):
    # GIVEN a tool that asks another durable agent (delegation)
    inner_script = Script([lambda _: ModelResponse(parts=[TextPart("o-1 ships tomorrow")])])
    inner = support_agent(inner_script, Tools())
    outer_script = Script([call(("ask_shipping", {"order_id": "o-1"}, "c1")), answer_with_returns()])
    outer = support_agent(outer_script, Tools())

    @outer.tool_plain
    async def ask_shipping(order_id: str) -> str:
        return str((await inner.run(f"when does {order_id} ship?")).output)

    handler = agent_handler(service, outer)

    # WHEN it runs, then its history is replayed
    run = run_to_completion(handler, {"question": "?"}, service=service)
    replayed = handler(service.envelope(), None)

    # THEN the inner run happened inside the tool's step (no steps of its own), once, and not on replay
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "done: o-1 ships tomorrow"
    assert [name for _, name, _ in steps(service)] == ["model-request-1", "ask_shipping", "model-request-2"]
    assert json.loads(replayed["Result"]) == run.result
    assert (inner_script.calls, outer_script.calls) == (1, 2)
