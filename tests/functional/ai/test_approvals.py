"""A tool that needs approval is a durable callback: the execution suspends until the answer, then goes on."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pydantic_ai.capabilities import RequestInput
from pydantic_ai.tools import DeferredToolRequests, RunContext

from powertools_durable import Duration, durable_execution
from powertools_durable.ai import ApprovalRequest, PowertoolsDurability, ToolApprovals
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService
from tests.functional.ai.agents import Script, Tools, answer_with_returns, call, support_agent

CALLBACK = "approve-issue_refund create callback id"


def refund_handler(service: InMemoryDurableService, capability: PowertoolsDurability[Any] | None = None) -> Any:
    script = Script([call(("issue_refund", {"order_id": "o-1", "amount": 20}, "r1")), answer_with_returns()])
    tools = Tools()
    agent = support_agent(script, tools, capability)

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        return str((await agent.run("refund o-1")).output)

    handler.script, handler.tools = script, tools  # type: ignore[attr-defined]
    return handler


def suspended(service: InMemoryDurableService, handler: Any) -> str:
    """Start the execution; it must suspend on the approval callback (returns its id)."""
    service.start({})
    output = handler(service.envelope(), None)
    assert output["Status"] == "PENDING", output
    return service.callback_id(CALLBACK)


def test_approval_suspends_then_the_run_continues_with_the_tool_approved(service: InMemoryDurableService):
    # GIVEN an agent whose model asks for a refund, a tool that needs approval
    handler = refund_handler(service)

    # WHEN it runs, it suspends on a callback without running the tool
    callback_id = suspended(service, handler)
    assert handler.tools.runs == []
    assert handler.script.calls == 1

    # AND when the approver answers and the service re-invokes
    service.answer_callback(callback_id, result=json.dumps({"approved": True}))
    output = handler(service.envelope(), None)

    # THEN the refund ran once, the model saw its result, and the first model request was not made again
    assert output["Status"] == "SUCCEEDED", output
    assert json.loads(output["Result"]) == "done: refunded 20 on o-1"
    assert handler.tools.runs == ["issue_refund:o-1"]
    assert handler.script.calls == 2
    names = [op.get("Name") for op in service.operations.values() if op["Type"] != "EXECUTION"]
    assert names == [
        "model-request-1",
        "approve-issue_refund",
        CALLBACK,
        "approve-issue_refund submitter",
        "issue_refund",
        "model-request-2",
    ]


def test_a_denial_with_a_reason_reaches_the_model_and_the_tool_never_runs(service: InMemoryDurableService):
    # GIVEN a run suspended on the approval
    handler = refund_handler(service)
    callback_id = suspended(service, handler)

    # WHEN the approver denies it with a reason
    service.answer_callback(callback_id, result=json.dumps({"approved": False, "reason": "over the refund limit"}))
    output = handler(service.envelope(), None)

    # THEN the model is told why, and the refund never ran
    assert output["Status"] == "SUCCEEDED", output
    assert json.loads(output["Result"]) == "done: over the refund limit"
    assert handler.tools.runs == []


def test_a_callback_failure_denies_the_call_with_its_message(service: InMemoryDurableService):
    # GIVEN a run suspended on the approval
    handler = refund_handler(service)
    callback_id = suspended(service, handler)

    # WHEN the approver's system answers with a failure
    service.answer_callback(callback_id, error={"ErrorType": "Rejected", "ErrorMessage": "fraud check failed"})
    output = handler(service.envelope(), None)

    # THEN the call is denied with that message
    assert output["Status"] == "SUCCEEDED", output
    assert "fraud check failed" in json.loads(output["Result"])
    assert handler.tools.runs == []


def test_an_answer_of_the_wrong_shape_fails_the_execution_naming_the_tool_call(service: InMemoryDurableService):
    # GIVEN a run suspended on the approval
    handler = refund_handler(service)
    callback_id = suspended(service, handler)

    # WHEN the answer is not {"approved": bool, "reason": ...}
    service.answer_callback(callback_id, result=json.dumps({"approved": "yes please", "amount": 1_000_000}))
    output = handler(service.envelope(), None)

    # THEN the execution fails with an error naming the call and each problem, and nothing ran
    assert output["Status"] == "FAILED"
    error = output["Error"]
    assert error["ErrorType"] == "powertools_durable.ai.exceptions.ApprovalAnswerError"
    assert "'r1' (issue_refund)" in error["ErrorMessage"]
    assert "approved: Input should be a valid boolean" in error["ErrorMessage"]
    assert "amount: Extra inputs are not permitted" in error["ErrorMessage"]
    assert handler.tools.runs == []


def test_an_answer_that_is_not_json_fails_the_execution(service: InMemoryDurableService):
    handler = refund_handler(service)
    callback_id = suspended(service, handler)
    service.answer_callback(callback_id, result="approve it!")
    output = handler(service.envelope(), None)
    assert output["Status"] == "FAILED"
    assert output["Error"]["ErrorType"].endswith("ApprovalAnswerError")
    assert "Invalid JSON" in output["Error"]["ErrorMessage"]


def test_notify_receives_the_callback_id_and_the_call_once(service: InMemoryDurableService):
    # GIVEN approvals that notify an approver (async), with a timeout
    notified: list[tuple[str, ApprovalRequest]] = []

    async def notify(callback_id: str, request: ApprovalRequest) -> None:
        notified.append((callback_id, request))

    approvals = ToolApprovals(notify=notify, timeout=Duration.from_hours(1))
    handler = refund_handler(service, PowertoolsDurability(approvals=approvals))

    # WHEN the run suspends, and is invoked twice more before the answer arrives
    callback_id = suspended(service, handler)
    assert [handler(service.envelope(), None)["Status"] for _ in range(2)] == ["PENDING", "PENDING"]

    # THEN notify was called once, with the callback's id and the call
    assert notified == [(callback_id, ApprovalRequest("issue_refund", "r1", {"order_id": "o-1", "amount": 20}))]
    # AND the callback carries the timeout
    callback = next(op for op in service.operations.values() if op["Type"] == "CALLBACK")
    timeouts = [u for c in service.calls for u in c.updates if u["Id"] == callback["Id"]]
    assert timeouts[0]["CallbackOptions"]["TimeoutSeconds"] == 3600


def test_request_input_waits_on_a_callback_whose_id_is_the_token(service: InMemoryDurableService):
    # GIVEN Pydantic AI's RequestInput capability (no approvals of ours), asking with the resume token
    tokens: list[str] = []

    def ask(ctx: RunContext[Any], requests: DeferredToolRequests, token: str) -> None:
        tokens.append(token)

    script = Script([call(("issue_refund", {"order_id": "o-1", "amount": 20}, "r1")), answer_with_returns()])
    tools = Tools()
    requests = RequestInput(ask, timeout=timedelta(hours=1))
    agent = support_agent(script, tools, PowertoolsDurability(approvals=None), requests)

    @durable_execution(boto3_client=service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        return str((await agent.run("refund o-1")).output)

    # WHEN the run suspends, and the token is resolved with DeferredToolResults as JSON
    service.start({})
    assert handler(service.envelope(), None)["Status"] == "PENDING"
    assert tokens == [service.callback_id("deferred_tool_calls")]
    service.answer_callback(tokens[0], result=json.dumps({"approvals": {"r1": True}}))
    output = handler(service.envelope(), None)

    # THEN the run continued with the refund, and ask was not called again
    assert output["Status"] == "SUCCEEDED", output
    assert json.loads(output["Result"]) == "done: refunded 20 on o-1"
    assert tools.runs == ["issue_refund:o-1"]
    assert len(tokens) == 1
