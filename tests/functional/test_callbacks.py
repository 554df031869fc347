"""Callbacks and wait_for_callback: the exact updates, the answers, timeouts, and replay."""

from __future__ import annotations

import json
from typing import Any

import pytest

from powertools_durable import (
    Callback,
    CallbackConfig,
    CallbackExternalError,
    CallbackSubmitterError,
    CallbackTimeoutError,
    DurableContext,
    Duration,
    JsonSerDes,
    RetryPresets,
    WaitForCallbackConfig,
    WaitForCallbackContext,
    durable_wait_for_callback,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, invoke, op_id, without_stack_traces

REJECTED = {"ErrorType": "RejectedError", "ErrorMessage": "not approved"}


def callback_start(position: int, name: str | None, timeout: int = 0, heartbeat: int = 0, parent: str | None = None):
    update: dict[str, Any] = {
        "Id": op_id(position, parent),
        "Type": "CALLBACK",
        "SubType": "Callback",
        "Action": "START",
    }
    if name is not None:
        update["Name"] = name
    if parent is not None:
        update["ParentId"] = parent
    update["CallbackOptions"] = {"TimeoutSeconds": timeout, "HeartbeatTimeoutSeconds": heartbeat}
    return update


def answer(name: str, *, result: str | None = None, error: dict[str, Any] | None = None):
    """An external system answering the callback ``name`` once, the first time the execution suspends."""
    done: list[bool] = []

    def external(service: InMemoryDurableService) -> bool:
        if done:
            return False
        service.answer_callback(service.callback_id(name), result=result, error=error)
        done.append(True)
        return True

    return external


def test_create_callback_checkpoints_start_and_result_suspends_until_answered(service: InMemoryDurableService):
    # GIVEN a handler that creates a callback with timeouts and waits for its answer
    ids: list[str] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        callback = context.create_callback(
            name="approval", config=CallbackConfig(timeout=Duration.from_minutes(5), heartbeat_timeout=Duration(30))
        )
        ids.append(callback.callback_id)
        return callback.result()

    # WHEN it runs and the external system answers with a JSON string
    run = run_to_completion(handler, {}, service=service, external=answer("approval", result='"yes"'))

    # THEN START was checkpointed alone, with the options; the answer came back as sent (no JSON parsing)
    assert run.status == "SUCCEEDED"
    assert run.result == '"yes"'
    assert [call.updates for call in service.calls] == [[callback_start(1, "approval", timeout=300, heartbeat=30)]]
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]
    # AND both invocations saw the id the service generated
    assert ids == [service.callback_id("approval")] * 2


def test_callback_serdes_reads_the_answer(service: InMemoryDurableService):
    # GIVEN a callback read with JsonSerDes
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.create_callback(name="cb", config=CallbackConfig(serdes=JsonSerDes())).result()

    # WHEN answered with a JSON object / THEN the handler gets the object
    run = run_to_completion(handler, {}, service=service, external=answer("cb", result='{"n": 1}'))
    assert run.result == {"n": 1}


def test_callback_answered_with_no_payload_returns_none(service: InMemoryDurableService):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.create_callback(name="cb").result()

    run = run_to_completion(handler, {}, service=service, external=answer("cb", result=None))
    assert run.status == "SUCCEEDED"
    assert run.result is None


def test_failed_callback_raises_external_error_on_every_replay(service: InMemoryDurableService):
    # GIVEN a handler that catches the callback's failure, then waits (so the failure replays)
    caught: list[tuple[str, str, Any]] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        callback = context.create_callback(name="cb")
        try:
            callback.result()
        except CallbackExternalError as exc:
            caught.append((type(exc).__name__, exc.message or "", getattr(exc.__cause__, "error_type", None)))
        context.wait(Duration.from_seconds(2))
        return "handled"

    # WHEN the external system reports a failure
    run = run_to_completion(handler, {}, service=service, external=answer("cb", error=REJECTED))

    # THEN both later invocations raised the same error, its cause keeping the external error type
    assert run.result == "handled"
    assert caught == [("CallbackExternalError", "not approved", "RejectedError")] * 2


@pytest.mark.parametrize(("timeout", "heartbeat"), [(5, 0), (0, 5)], ids=["timeout", "heartbeat"])
def test_timed_out_callback_fails_the_execution(service: InMemoryDurableService, timeout: int, heartbeat: int):
    # GIVEN a callback nobody answers, with a timeout or a heartbeat timeout
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        config = CallbackConfig(timeout=Duration(timeout), heartbeat_timeout=Duration(heartbeat))
        return context.create_callback(name="cb", config=config).result()

    # WHEN the service's timer fires
    run = run_to_completion(handler, {}, service=service)

    # THEN the execution fails with CallbackTimeoutError
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"] == f"{CallbackTimeoutError.__module__}.CallbackTimeoutError"


def test_heartbeat_keeps_the_callback_alive(service: InMemoryDurableService):
    # GIVEN a callback with a heartbeat timeout, and an external system that heartbeats then answers
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.create_callback(name="cb", config=CallbackConfig(heartbeat_timeout=Duration(10))).result()

    steps = iter(["heartbeat", "answer"])

    def external(svc: InMemoryDurableService) -> bool:
        step = next(steps, None)
        if step == "heartbeat":
            svc.now_ms += 8_000
            svc.heartbeat_callback(svc.callback_id("cb"))
            svc.now_ms += 8_000  # 16 s after START, 8 s after the heartbeat: still alive
        elif step == "answer":
            svc.answer_callback(svc.callback_id("cb"), result='"done"')
        return step is not None

    # WHEN it runs / THEN the answer arrives before any timeout
    run = run_to_completion(handler, {}, service=service, external=external)
    assert run.result == '"done"'


def test_two_callbacks_answered_out_of_order(service: InMemoryDurableService):
    # GIVEN two callbacks created before either result is read
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        a: Callback[Any] = context.create_callback(name="a")
        b: Callback[Any] = context.create_callback(name="b")
        return [b.result(), a.result()]

    order = iter(["a", "b"])

    def external(svc: InMemoryDurableService) -> bool:
        name = next(order, None)
        if name is not None:
            svc.answer_callback(svc.callback_id(name), result=json.dumps(name))
        return name is not None

    # WHEN answered a then b / THEN three invocations, and each got its own answer
    run = run_to_completion(handler, {}, service=service, external=external)
    assert run.result == ['"b"', '"a"']
    assert [u["Name"] for u in service.updates_of(1)] == ["a", "b"]
    assert service.updates_of(2) == []
    assert service.updates_of(3) == []


def test_callback_reordered_between_deployments_is_non_deterministic(service: InMemoryDurableService):
    # GIVEN an execution suspended on a callback at position 1
    @bind(service)
    def original(event: Any, context: DurableContext) -> Any:
        return context.create_callback(name="approval").result()

    service.start({})
    assert invoke(original, service) == {"Status": "PENDING"}

    # WHEN a new deployment puts a step first
    @bind(service)
    def changed(event: Any, context: DurableContext) -> Any:
        context.step(lambda _: 1, name="approval")
        return context.create_callback(name="approval").result()

    output = invoke(changed, service)

    # THEN the execution fails with the non-determinism error
    assert output["Status"] == "FAILED"
    assert "type: recorded 'CALLBACK', code asks for 'STEP'" in output["Error"]["ErrorMessage"]


@durable_wait_for_callback
def notify(callback_id: str, context: WaitForCallbackContext, ticket: str) -> None:
    context.logger.info(f"ticket {ticket} waits for {callback_id}")


def test_wait_for_callback_exact_updates(service: InMemoryDurableService):
    # GIVEN wait_for_callback with a decorated submitter and a timeout
    submitted: list[str] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        def submitter(callback_id: str, ctx: WaitForCallbackContext) -> None:
            submitted.append(callback_id)

        return context.wait_for_callback(submitter, name="approval", config=WaitForCallbackConfig(timeout=Duration(60)))

    # WHEN it runs and the callback is answered
    run = run_to_completion(handler, {}, service=service, external=answer("approval create callback id", result='"ok"'))

    # THEN it is recorded as the official SDK records it: a WaitForCallback child holding the callback and a step
    ctx_id = op_id(1)
    step_id = op_id(2, ctx_id)
    assert run.result == '"ok"'
    assert submitted == [service.callback_id("approval create callback id")]
    child = {"Id": ctx_id, "Type": "CONTEXT", "SubType": "WaitForCallback", "Name": "approval"}
    step = {"Id": step_id, "Type": "STEP", "SubType": "Step", "Name": "approval submitter", "ParentId": ctx_id}
    assert [call.updates for call in service.calls] == [
        [dict(child, Action="START"), callback_start(1, "approval create callback id", timeout=60, parent=ctx_id)],
        [dict(step, Action="START"), dict(step, Action="SUCCEED", Payload="null")],
        [dict(child, Action="SUCCEED", Payload='"\\"ok\\""', ContextOptions={"ReplayChildren": False})],
    ]


def test_wait_for_callback_decorator_names_it(service: InMemoryDurableService):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.wait_for_callback(notify("t-1"))

    run = run_to_completion(handler, {}, service=service, external=answer("notify create callback id", result="x"))
    assert run.result == "x"
    assert service.calls[0].updates[0]["Name"] == "notify"


def test_wait_for_callback_unnamed_uses_bare_inner_names(service: InMemoryDurableService):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.wait_for_callback(lambda callback_id, ctx: None)

    run = run_to_completion(handler, {}, service=service, external=answer("create callback id", result="x"))
    assert run.result == "x"
    assert [u.get("Name") for u in service.updates_of(1)] == [None, "create callback id", "submitter", "submitter"]


@pytest.mark.parametrize(
    ("config", "external_error", "expected"),
    [
        (None, REJECTED, CallbackExternalError),
        (WaitForCallbackConfig(timeout=Duration(3)), None, CallbackTimeoutError),
    ],
    ids=["failure", "timeout"],
)
def test_wait_for_callback_failure_surfaces_as_the_callback_error(
    service: InMemoryDurableService, config: Any, external_error: Any, expected: type
):
    # GIVEN wait_for_callback caught by the handler, then a wait (so the failure replays)
    caught: list[str] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        try:
            context.wait_for_callback(lambda callback_id, ctx: None, name="w", config=config)
        except expected as exc:
            caught.append(type(exc).__name__)
        context.wait(Duration.from_seconds(10))
        return "recovered"

    external = answer("w create callback id", error=external_error) if external_error else None

    # WHEN the callback fails or times out
    run = run_to_completion(handler, {}, service=service, external=external)

    # THEN the same callback error was raised on the first sight and on replay; the child was FAILED
    assert run.result == "recovered"
    assert caught == [expected.__name__] * 2
    assert service.operations[op_id(1)]["Status"] == "FAILED"


def test_wait_for_callback_submitter_failure(service: InMemoryDurableService):
    # GIVEN a submitter that always fails, without retries
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        def submitter(callback_id: str, ctx: WaitForCallbackContext) -> None:
            raise ConnectionError("ticketing system down")

        config = WaitForCallbackConfig(retry_strategy=RetryPresets.none())
        return context.wait_for_callback(submitter, name="w", config=config)

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the step and the child failed, and the execution failed with CallbackSubmitterError
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"] == f"{CallbackSubmitterError.__module__}.CallbackSubmitterError"
    assert run.error["ErrorMessage"] == "ticketing system down"
    updates = without_stack_traces(service.updates_of(1))
    assert [(u["Type"], u["Action"]) for u in updates] == [
        ("CONTEXT", "START"),
        ("CALLBACK", "START"),
        ("STEP", "START"),
        ("STEP", "FAIL"),
        ("CONTEXT", "FAIL"),
    ]
    # the child records the StepError that escaped it, as the official SDK does; the step keeps the original
    assert updates[-2]["Error"] == {"ErrorType": "ConnectionError", "ErrorMessage": "ticketing system down"}
    assert updates[-1]["Error"] == {
        "ErrorType": "powertools_durable.exceptions.StepError",
        "ErrorMessage": "ticketing system down",
    }
