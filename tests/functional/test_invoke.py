"""Chained invoke: the exact CHAINED_INVOKE updates, the target's outcome, serdes, and replay."""

from __future__ import annotations

import json
from typing import Any

import pytest

from powertools_durable import (
    DurableContext,
    Duration,
    InvokeConfig,
    InvokeError,
    SerDes,
    SerDesContext,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, invoke, op_id


def invoke_start(position: int, function_name: str, payload: str, name: str | None = None, **options: Any):
    update: dict[str, Any] = {"Id": op_id(position), "Type": "CHAINED_INVOKE", "SubType": "ChainedInvoke"}
    update["Action"] = "START"
    if name is not None:
        update["Name"] = name
    update["Payload"] = payload
    update["ChainedInvokeOptions"] = {"FunctionName": function_name, **options}
    return update


def target(status: str = "SUCCEEDED", *, result: str | None = None, error: dict[str, Any] | None = None):
    """The invoked function finishing once, the first time the execution suspends."""
    done: list[bool] = []

    def external(service: InMemoryDurableService) -> bool:
        if done:
            return False
        pending = [op for op in service.operations.values() if op["Type"] == "CHAINED_INVOKE"]
        service.finish_invoke(pending[-1]["Id"], status, result=result, error=error)
        done.append(True)
        return True

    return external


def test_invoke_checkpoints_start_then_returns_the_targets_result(service: InMemoryDurableService):
    # GIVEN a handler invoking another function, then waiting (so the invoke replays once more)
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        result = context.invoke("echo", {"order": "o-1"}, name="call-echo")
        context.wait(Duration.from_seconds(1))
        return result

    # WHEN the target succeeds
    run = run_to_completion(handler, {}, service=service, external=target(result='{"order": "o-1"}'))

    # THEN START carried the function name and the plain-JSON payload; the result came back decoded
    assert run.result == {"order": "o-1"}
    assert [o["Status"] for o in run.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    assert service.updates_of(1) == [invoke_start(1, "echo", '{"order": "o-1"}', name="call-echo")]
    assert service.updates_of(3) == []


def test_invoke_with_null_payload_and_result(service: InMemoryDurableService):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.invoke("echo", None)

    run = run_to_completion(handler, {}, service=service, external=target(result=None))
    assert run.status == "SUCCEEDED"
    assert run.result is None
    assert service.updates_of(1) == [invoke_start(1, "echo", "null")]


def test_tenant_id_is_sent(service: InMemoryDurableService):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.invoke("echo", 1, config=InvokeConfig(tenant_id="t-1"))

    run_to_completion(handler, {}, service=service, external=target(result="1"))
    assert service.updates_of(1) == [invoke_start(1, "echo", "1", TenantId="t-1")]


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "STOPPED"])
def test_target_failure_raises_invoke_error_on_every_replay(service: InMemoryDurableService, status: str):
    # GIVEN a handler catching the invoke's failure, then waiting
    caught: list[tuple[str | None, str | None]] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        try:
            context.invoke("failing", {})
        except InvokeError as exc:
            caught.append((exc.message, exc.error_type))
        context.wait(Duration.from_seconds(1))
        return "fallback"

    # WHEN the target ends without success
    error = {"ErrorType": "ValueError", "ErrorMessage": "bad input"}
    run = run_to_completion(handler, {}, service=service, external=target(status, error=error))

    # THEN InvokeError with the target's error, the same on the first sight and on replay
    assert run.result == "fallback"
    assert caught == [("bad input", "ValueError")] * 2


def test_uncaught_invoke_error_fails_the_execution(service: InMemoryDurableService):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.invoke("failing", {})

    run = run_to_completion(handler, {}, service=service, external=target("FAILED", error={"ErrorMessage": "boom"}))
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorMessage"] == "boom"


class Upper(SerDes[str]):
    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return json.dumps(value.upper())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return str(json.loads(data)).lower()


def test_custom_payload_and_result_serdes(service: InMemoryDurableService):
    # GIVEN serdes for the payload and the result
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.invoke("echo", "hello", config=InvokeConfig(serdes_payload=Upper(), serdes_result=Upper()))

    # WHEN the target echoes / THEN the payload was written by one serdes and the result read by the other
    run = run_to_completion(handler, {}, service=service, external=target(result='"HELLO"'))
    assert service.updates_of(1)[0]["Payload"] == '"HELLO"'
    assert run.result == "hello"


def test_invoke_inside_a_child_context_is_parented_to_it(service: InMemoryDurableService):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.run_in_child_context(lambda child: child.invoke("echo", 5), name="c")

    run = run_to_completion(handler, {}, service=service, external=target(result="5"))
    ctx_id = op_id(1)
    assert run.result == 5
    assert service.updates_of(1)[1]["ParentId"] == ctx_id
    assert service.updates_of(1)[1]["Id"] == op_id(1, ctx_id)


def test_invoke_reordered_between_deployments_is_non_deterministic(service: InMemoryDurableService):
    # GIVEN an execution suspended on an invoke at position 1
    @bind(service)
    def original(event: Any, context: DurableContext) -> Any:
        return context.invoke("echo", 1, name="call")

    service.start({})
    assert invoke(original, service) == {"Status": "PENDING"}

    # WHEN a new deployment waits there instead
    @bind(service)
    def changed(event: Any, context: DurableContext) -> Any:
        context.wait(Duration.from_seconds(1), name="call")
        return context.invoke("echo", 1, name="call")

    output = invoke(changed, service)

    # THEN the execution fails with the non-determinism error
    assert output["Status"] == "FAILED"
    assert "type: recorded 'CHAINED_INVOKE', code asks for 'WAIT'" in output["Error"]["ErrorMessage"]
