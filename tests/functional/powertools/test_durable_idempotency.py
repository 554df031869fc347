"""Idempotency: ``@idempotent`` with ``durable_handler`` never blocks a re-invocation of the same execution."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent

from powertools_durable import DurableContext, Duration, durable_handler
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.powertools.fakes import InMemoryPersistenceLayer


def make_body(runs: list[str]):
    def body(event: dict, context: DurableContext) -> dict:
        runs.append("body")
        booked = context.step(lambda _: f"booked-{event['order_id']}", name="book")
        context.wait(Duration.from_seconds(5))
        confirmed = context.step(lambda _: "confirmed", name="confirm")
        context.wait(Duration.from_seconds(5))
        return {"booking": booked, "status": confirmed}

    return body


def test_idempotent_inside_durable_handler_recognises_replays(service, lambda_context):
    # GIVEN durable_handler outermost, so @idempotent receives the DurableContext and the execution's input
    store = InMemoryPersistenceLayer()
    runs: list[str] = []
    config = IdempotencyConfig(event_key_jmespath="order_id")
    handler = durable_handler(
        idempotent(persistence_store=store, config=config)(make_body(runs)), service_client=service
    )

    # WHEN the execution runs over three invocations
    run = run_to_completion(handler, {"order_id": "o-1"}, service=service, lambda_context=lambda_context)

    # THEN no re-invocation was blocked: each replayed the body and the execution succeeded
    assert [o["Status"] for o in run.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    assert runs == ["body"] * 3
    assert run.result == {"booking": "booked-o-1", "status": "confirmed"}
    # AND the idempotency record holds the execution's final result
    (record,) = store.records.values()
    assert record.status == "COMPLETED"
    assert record.response_json_as_dict() == run.result


def test_a_second_execution_with_the_same_input_gets_the_stored_result(lambda_context):
    # GIVEN one execution completed through @idempotent inside durable_handler
    store = InMemoryPersistenceLayer()
    runs: list[str] = []
    config = IdempotencyConfig(event_key_jmespath="order_id")
    body = idempotent(persistence_store=store, config=config)(make_body(runs))
    first = InMemoryDurableService()
    run_to_completion(
        durable_handler(body, service_client=first), {"order_id": "o-1"}, service=first, lambda_context=lambda_context
    )

    # WHEN another execution starts with the same order
    second = InMemoryDurableService(durable_execution_arn=first.durable_execution_arn + "-2")
    run = run_to_completion(
        durable_handler(body, service_client=second), {"order_id": "o-1"}, service=second, lambda_context=lambda_context
    )

    # THEN it succeeds at once with the stored result, running no step
    assert run.outputs == [{"Status": "SUCCEEDED", "Result": '{"booking": "booked-o-1", "status": "confirmed"}'}]
    assert second.calls == []
    assert runs == ["body"] * 3


def test_a_concurrent_execution_with_the_same_input_is_rejected(lambda_context):
    # GIVEN one execution suspended in its first wait, holding the idempotency record in progress
    store = InMemoryPersistenceLayer()
    config = IdempotencyConfig(event_key_jmespath="order_id")
    body = idempotent(persistence_store=store, config=config)(make_body([]))
    first = InMemoryDurableService()
    first.start({"order_id": "o-1"})
    assert durable_handler(body, service_client=first)(first.envelope(), lambda_context) == {"Status": "PENDING"}

    # WHEN another execution starts with the same order
    second = InMemoryDurableService(durable_execution_arn=first.durable_execution_arn + "-2")
    run = run_to_completion(
        durable_handler(body, service_client=second), {"order_id": "o-1"}, service=second, lambda_context=lambda_context
    )

    # THEN Powertools rejects it as already in progress (a new execution is not a replay)
    assert run.status == "FAILED"
    assert run.error["ErrorType"].endswith("IdempotencyAlreadyInProgressError")


def test_idempotent_outside_durable_handler_never_blocks_a_reinvocation(service, lambda_context):
    # GIVEN @idempotent outermost with its default key: the whole invocation event
    store = InMemoryPersistenceLayer()
    runs: list[str] = []
    handler = idempotent(persistence_store=store)(durable_handler(make_body(runs), service_client=service))

    # WHEN the execution runs over three invocations
    run = run_to_completion(handler, {"order_id": "o-1"}, service=service, lambda_context=lambda_context)

    # THEN each invocation ran (every event carries a new checkpoint token, so a new key)
    assert [o["Status"] for o in run.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    assert runs == ["body"] * 3
    assert len(store.records) == 3


def test_redelivery_of_the_same_invocation_event_is_answered_from_the_store(service, lambda_context):
    # GIVEN @idempotent outermost and one invocation already answered
    store = InMemoryPersistenceLayer()
    runs: list[str] = []
    handler = idempotent(persistence_store=store)(durable_handler(make_body(runs), service_client=service))
    service.start({"order_id": "o-1"})
    event = service.envelope()
    first = handler(event, lambda_context)

    # WHEN the very same event is delivered again
    again = handler(event, lambda_context)

    # THEN the stored answer is returned without running the workflow again
    assert again == first == {"Status": "PENDING"}
    assert runs == ["body"]


def test_idempotency_disabled_env_var_still_runs_durably(monkeypatch, service, lambda_context):
    # GIVEN POWERTOOLS_IDEMPOTENCY_DISABLED (development mode)
    monkeypatch.setenv("POWERTOOLS_IDEMPOTENCY_DISABLED", "true")
    store = InMemoryPersistenceLayer()
    handler = durable_handler(idempotent(persistence_store=store)(make_body([])), service_client=service)

    # WHEN the execution runs
    with pytest.warns(UserWarning, match="Disabling idempotency"):
        run = run_to_completion(handler, {"order_id": "o-1"}, service=service, lambda_context=lambda_context)

    # THEN it succeeded and stored nothing
    assert run.status == "SUCCEEDED"
    assert store.records == {}
