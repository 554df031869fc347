"""The docs' snippets of docs/ai-agents.md (examples/ai), run against the in-memory service."""

from __future__ import annotations

import json
from typing import Any

import pytest

from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.service import client as client_module
from tests.functional.fresh_loggers import fresh_loggers  # noqa: F401 - a fixture
from tests.functional.test_examples import load

pytestmark = pytest.mark.usefixtures("fresh_loggers")


@pytest.fixture
def default_client(monkeypatch: pytest.MonkeyPatch, service: InMemoryDurableService) -> InMemoryDurableService:
    monkeypatch.setattr(client_module, "_default_client", service)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    return service


def test_the_agent_example_runs_its_model_and_tool_as_steps(default_client: InMemoryDurableService, lambda_context):
    # GIVEN the example (Pydantic AI's TestModel: it calls every tool once, then answers)
    handler = load("ai/agent.py").handler
    # WHEN it runs
    run = run_to_completion(
        handler, {"question": "where is o-1?"}, service=default_client, lambda_context=lambda_context
    )
    # THEN the model request, the tool call and the final request are the history's steps
    assert run.status == "SUCCEEDED", run.error
    assert json.loads(run.result)["lookup_order"] == {"order_id": "a", "status": "shipped"}
    names = [op["Name"] for op in default_client.operations.values() if op["Type"] == "STEP"]
    assert names == ["model-request-1", "lookup_order", "model-request-2"]


def test_the_approvals_example_notifies_once_then_refunds_when_approved(
    default_client: InMemoryDurableService, lambda_context: Any
):
    # GIVEN the example, and an approver reading the outbox
    module = load("ai/approvals.py")
    answered: list[str] = []

    def approve(service: InMemoryDurableService) -> bool:
        if len(module.outbox) != 1 or answered:
            return False
        answered.append(module.outbox[0]["callback_id"])
        service.answer_callback(answered[0], result=json.dumps({"approved": True}))
        return True

    # WHEN it runs, suspended until the approval

    run = run_to_completion(
        module.handler, {"order_id": "o-1"}, service=default_client, lambda_context=lambda_context, external=approve
    )
    # THEN notify ran once, and the refund ran once approved
    assert run.status == "SUCCEEDED", run.error
    assert [m["tool"] for m in module.outbox] == ["issue_refund"]
    assert "refunded" in run.result
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]


def test_the_streaming_example_reads_its_run_back_and_pushes_each_event_once(
    default_client: InMemoryDurableService, lambda_context: Any
):
    # GIVEN the example (TestModel streams a tool call, then its answer), its handler pushing events to `sent`
    module = load("ai/streaming.py")

    # WHEN it runs, then its history is replayed
    run = run_to_completion(module.handler, {"question": "where is o-1?"}, service=default_client)
    pushed = list(module.sent)
    replayed = module.handler(default_client.envelope(), lambda_context)

    # THEN the streamed answer is the tool's return, the tool events were steps, and the replay pushed nothing
    assert run.status == "SUCCEEDED", run.error
    assert json.loads(run.result)["lookup_order"] == {"order_id": "a", "status": "shipped"}
    assert {"part_start", "part_delta", "function_tool_call", "function_tool_result"} <= set(pushed)
    names = [op["Name"] for op in default_client.operations.values() if op["Type"] == "STEP"]
    assert names.count("event-stream-handler") == 2
    assert json.loads(replayed["Result"]) == run.result
    assert module.sent == pushed


def test_the_toolsets_example_calls_its_mcp_server_and_its_run_time_toolset_in_steps(
    default_client: InMemoryDurableService, lambda_context: Any
):
    # GIVEN the example: an MCP server over stdio (its own script) and a toolset given to the run
    module = load("ai/toolsets.py")

    # WHEN it runs
    run = run_to_completion(
        module.handler, {"question": "o-1?", "customer": "c-9"}, service=default_client, lambda_context=lambda_context
    )

    # THEN TestModel called both tools, each in its step, and the MCP server's listing was a step too
    assert run.status == "SUCCEEDED", run.error
    answer = json.loads(run.result)
    assert answer == {"track": "a: in transit", "refund_status": "a: no refund for c-9"}
    names = [op["Name"] for op in default_client.operations.values() if op["Type"] == "STEP"]
    assert names[0] == "list-tools-orders"
    assert sorted(names[2:4]) == ["mcp-call-orders-track", "refund_status"]
