"""sam_app/SupportAgent in-process: the deployed handler, its scripted model, and the refund approval."""

from __future__ import annotations

import json
import sys
from types import ModuleType
from typing import Any

import pytest

from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.service import client as client_module
from tests.functional.conftest import FakeLambdaContext
from tests.functional.fresh_loggers import fresh_loggers  # noqa: F401 - a fixture
from tests.functional.test_sam_app import SAM_APP, load_function

CALLBACK = "approve-issue_refund create callback id"

pytestmark = pytest.mark.usefixtures("fresh_loggers")


@pytest.fixture
def support(monkeypatch: pytest.MonkeyPatch, service: InMemoryDurableService) -> ModuleType:
    """The function's module as Lambda imports it (its directory on the path), the in-memory service as client."""
    monkeypatch.setattr(client_module, "_default_client", service)
    monkeypatch.syspath_prepend(str(SAM_APP / "SupportAgent"))
    monkeypatch.delitem(sys.modules, "scripted", raising=False)
    return load_function("SupportAgent")


def answering(answer: dict[str, Any]) -> Any:
    def external(service: InMemoryDurableService) -> bool:
        op_id = next(op["Id"] for op in service.operations.values() if op.get("Name") == CALLBACK)
        if service.operations[op_id]["Status"] != "STARTED":
            return False
        service.answer_callback(service.callback_id(CALLBACK), result=json.dumps(answer))
        return True

    return external


def test_the_refund_is_issued_once_approved(support: ModuleType, service, lambda_context: FakeLambdaContext):
    # WHEN the support agent runs for order o-2 and the refund is approved
    run = run_to_completion(
        support.handler,
        {"order_id": "o-2"},
        service=service,
        lambda_context=lambda_context,
        external=answering({"approved": True}),
    )

    # THEN it answers after three model requests, in two invocations (suspended on the approval between)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"answer": "Order o-2: refunded 180 on o-2", "model_requests": 3}
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]
    steps = [op["Name"] for op in service.operations.values() if op["Type"] == "STEP" and not op.get("ParentId")]
    assert [n for n in steps if not n.startswith("approve")] == [
        "model-request-1",
        "lookup_order",
        "model-request-2",
        "issue_refund",
        "model-request-3",
    ]
    # AND the refund (at most once per retry) checkpointed START before it ran
    refund = next(op["Id"] for op in service.operations.values() if op.get("Name") == "issue_refund")
    assert [u["Action"] for c in service.calls for u in c.updates if u["Id"] == refund] == ["START", "SUCCEED"]
    assert len([c for c in service.calls if any(u["Id"] == refund for u in c.updates)]) == 2


def test_a_denied_refund_is_reported_with_the_reason(support: ModuleType, service, lambda_context):
    answer = answering({"approved": False, "reason": "refunds over 100 need a manager"})
    run = run_to_completion(
        support.handler, {"order_id": "o-2"}, service=service, lambda_context=lambda_context, external=answer
    )
    assert run.status == "SUCCEEDED", run.error
    assert run.result["answer"] == "Order o-2: refunds over 100 need a manager"


def test_the_model_is_chosen_by_the_environment(support: ModuleType, monkeypatch: pytest.MonkeyPatch):
    # GIVEN no variable: the scripted model; a Bedrock model id: that id, for Pydantic AI to resolve
    assert support.model().model_name == "support-script"
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert support.model() == "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0"
