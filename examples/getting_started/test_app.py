"""Unit test of the order workflow: the in-memory service plays Lambda, invoking again after each wait."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from app import handler  # the workflow above

from powertools_durable.local.memory import InMemoryDurableService, run_to_completion


@dataclass
class LambdaContext:
    function_name: str = "orders"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    aws_request_id: str = "da658bd3-2d6f-4e7b-8ec2-937234644fdc"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def service(monkeypatch) -> InMemoryDurableService:
    service = InMemoryDurableService()
    monkeypatch.setattr("powertools_durable.handler.default_client", lambda: service)  # no AWS
    return service


def test_order_is_reserved_then_confirmed(service):
    run = run_to_completion(
        handler, {"order_id": "o-1", "quantity": 2}, service=service, lambda_context=LambdaContext()
    )

    assert run.status == "SUCCEEDED"
    assert run.result == {"order_id": "o-1", "reserved": 2, "status": "CONFIRMED"}
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]  # one suspension: the wait


def test_an_invalid_order_fails_the_execution(service):
    run = run_to_completion(handler, {"order_id": "o-1"}, service=service, lambda_context=LambdaContext())

    assert run.status == "FAILED"
    assert "quantity" in run.error["ErrorMessage"]
