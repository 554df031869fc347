"""The user's Powertools Logger and Tracer see each model request and tool call once per execution; misuse is named."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Tracer

from powertools_durable import DurableContext, durable_execution, durable_handler
from powertools_durable.ai import NotInDurableHandlerError
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.ai.agents import Script, Tools, answer_with_returns, call, support_agent
from tests.functional.ai.test_approvals import CALLBACK
from tests.functional.powertools.fakes import FakeTracerProvider
from tests.functional.powertools.test_durable_logger import lines, new_logger


@pytest.fixture
def provider() -> Iterator[FakeTracerProvider]:
    Tracer._reset_config()
    yield FakeTracerProvider()
    Tracer._reset_config()


def test_logger_and_tracer_see_each_model_request_and_tool_call_once_across_invocations(
    service: InMemoryDurableService, lambda_context: Any, provider: FakeTracerProvider
):
    # GIVEN a run spanning two invocations (a lookup, then a refund that waits for approval)
    logger, stream = new_logger()
    tracer = Tracer(service="support", provider=provider, disabled=False, auto_patch=False)
    script = Script(
        [
            call(("lookup_order", {"order_id": "o-1"}, "c1")),
            call(("issue_refund", {"order_id": "o-1", "amount": 20}, "r1")),
            answer_with_returns(),
        ]
    )
    agent = support_agent(script, Tools())

    async def body(event: Any, context: AsyncDurableContext) -> str:
        return str((await agent.run("refund o-1")).output)

    handler = durable_handler(body, logger=logger, tracer=tracer, service_client=service)

    def approve(svc: InMemoryDurableService) -> bool:
        if any(op.get("Name") == "issue_refund" for op in svc.operations.values()):
            return False
        svc.answer_callback(svc.callback_id(CALLBACK), result=json.dumps({"approved": True}))
        return True

    # WHEN it runs to its end (the second invocation replays the first model request and the lookup)
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context, external=approve)
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]

    # THEN each model request and tool call was logged once, with its step's keys
    logged = [(line["message"], line.get("operation_name")) for line in lines(stream)]
    assert logged == [
        ("model request", "model-request-1"),
        ("tool call", "lookup_order"),
        ("model request", "model-request-2"),
        ("tool call awaits approval", "approve-issue_refund submitter"),
        ("tool call approved", None),
        ("tool call", "issue_refund"),
        ("model request", "model-request-3"),
    ]
    by_message = {line["message"]: line for line in lines(stream)}
    assert by_message["model request"]["model"] == "scripted"
    assert by_message["tool call awaits approval"]["callback_id"] == service.callback_id(CALLBACK)
    # AND the Tracer opened one subsegment per executed step, none for the replayed ones (the approval's
    # child context has one per invocation it runs in: opened, then answered)
    assert [s.name for s in provider.subsegments] == [
        "## model-request-1",
        "## lookup_order",
        "## model-request-2",
        "## approve-issue_refund",
        "## approve-issue_refund submitter",
        "## approve-issue_refund",
        "## issue_refund",
        "## model-request-3",
    ]


def test_an_agent_run_outside_a_durable_handler_is_refused_with_a_clear_error():
    agent = support_agent(Script([answer_with_returns()]), Tools())
    with pytest.raises(NotInDurableHandlerError, match=r"'support'.*outside a durable handler.*async def"):
        asyncio.run(agent.run("hello"))


def test_an_agent_run_in_a_sync_durable_handler_is_refused_naming_it(service: InMemoryDurableService):
    # GIVEN a sync durable handler that runs the agent with asyncio.run
    script = Script([answer_with_returns()])
    agent = support_agent(script, Tools())

    @durable_execution(boto3_client=service)
    def handler(event: Any, context: DurableContext) -> str:
        return str(asyncio.run(agent.run("hello")).output)

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the execution fails with the error saying to make the handler async, and the model was not called
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"].endswith("NotInDurableHandlerError")
    assert "in a sync durable handler: make the handler `async def`" in run.error["ErrorMessage"]
    assert script.calls == 0
