"""``wait_for_callback`` in async code: the sync composition on the loop, with the sync history and errors."""

from __future__ import annotations

from typing import Any

import pytest

from powertools_durable import DurableContext, StepConfig
from powertools_durable.aio import AsyncDurableContext, get_async_durable_context
from powertools_durable.config import WaitForCallbackConfig
from powertools_durable.exceptions import CallbackSubmitterError
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.retries import RetryDecision
from tests.functional.conftest import bind

NO_RETRY = WaitForCallbackConfig(retry_strategy=lambda exc, attempt: RetryDecision.no_retry())


def answer_review(svc: InMemoryDurableService) -> bool:
    op = next((o for o in svc.operations.values() if o.get("Name") == "review create callback id"), None)
    if op is None or op["Status"] != "STARTED":
        return False
    svc.answer_callback(svc.callback_id("review create callback id"), result='"approved"')
    return True


@pytest.mark.parametrize("submitter_kind", ["def", "async def"])
def test_the_history_is_the_sync_one_with_a_sync_or_async_submitter(submitter_kind: str):
    # GIVEN the same wait_for_callback in sync code and in async code (with a def or an async def submitter)
    sent: list[str] = []

    def submit(callback_id: str, _: Any) -> None:
        sent.append(callback_id)

    async def submit_async(callback_id: str, _: Any) -> None:
        assert get_async_durable_context().parent_id is not None  # inside the wait_for_callback's child
        sent.append(callback_id)

    sync_service, async_service = InMemoryDurableService(), InMemoryDurableService()

    @bind(sync_service)
    def sync_handler(event: Any, context: DurableContext) -> Any:
        return context.wait_for_callback(submit, name="review")

    @bind(async_service)
    async def async_handler(event: Any, context: AsyncDurableContext) -> Any:
        return await context.wait_for_callback(submit if submitter_kind == "def" else submit_async, name="review")

    # WHEN both run to their end, the callback answered
    sync_run = run_to_completion(sync_handler, {}, service=sync_service, external=answer_review)
    async_run = run_to_completion(async_handler, {}, service=async_service, external=answer_review)

    # THEN the results, the checkpoints of every invocation and the submitted ids are the same
    assert async_run.result == sync_run.result == '"approved"'
    for invocation in (1, 2):
        assert async_service.updates_of(invocation) == sync_service.updates_of(invocation)
    assert sent == [sync_service.callback_id("review create callback id")] * 2


def test_a_submitter_that_fails_for_good_raises_callback_submitter_error(service: InMemoryDurableService):
    # GIVEN an async submitter that always fails, without retries
    async def submit(callback_id: str, _: Any) -> None:
        raise ConnectionError("the ticket system is down")

    caught: list[BaseException] = []

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        try:
            await context.wait_for_callback(submit, name="review", config=NO_RETRY)
        except CallbackSubmitterError as exc:
            caught.append(exc)
            return "gave up"
        return "approved"

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the caller got CallbackSubmitterError carrying the submitter's message, as in sync code
    assert run.result == "gave up"
    assert len(caught) == 1
    assert "the ticket system is down" in str(caught[0])


def test_the_submitter_step_uses_the_configured_retry_and_serdes():
    # GIVEN a config (its step config is what the submitter step gets)
    config = WaitForCallbackConfig(retry_strategy=lambda exc, attempt: RetryDecision.no_retry())

    # WHEN it is planned / THEN the submitter step carries its retry strategy
    from powertools_durable.operations.wait_for_callback import plan_wait_for_callback

    class Ctx:
        default_serdes = None

    plan = plan_wait_for_callback(Ctx(), lambda *_: None, "review", config)  # type: ignore[arg-type]
    assert plan.name == "review"
    assert plan.callback_name == "review create callback id"
    assert plan.submitter_name == "review submitter"
    assert isinstance(plan.step_config, StepConfig)
    assert plan.step_config.retry_strategy is config.retry_strategy


def test_wait_for_condition_with_a_sync_check_records_what_sync_code_records():
    # GIVEN the same polling in sync code and in async code with a plain def check
    from powertools_durable import Duration, WaitForConditionConfig, WaitForConditionDecision

    def check(state: int, _: Any) -> int:
        return state + 1

    def below_two(state: int, attempt: int) -> WaitForConditionDecision:
        if state < 2:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    config = WaitForConditionConfig(below_two, initial_state=0)
    sync_service, async_service = InMemoryDurableService(), InMemoryDurableService()

    @bind(sync_service)
    def sync_handler(event: Any, context: DurableContext) -> Any:
        return context.wait_for_condition(check, config, name="poll")

    @bind(async_service)
    async def async_handler(event: Any, context: AsyncDurableContext) -> Any:
        return await context.wait_for_condition(check, config, name="poll")

    # WHEN both run to their end
    sync_run = run_to_completion(sync_handler, {}, service=sync_service)
    async_run = run_to_completion(async_handler, {}, service=async_service)

    # THEN the same final state, the same invocations and the same checkpoints in each
    assert async_run.result == sync_run.result == 2
    assert len(async_run.outputs) == len(sync_run.outputs) == 2
    for invocation in (1, 2):
        assert async_service.updates_of(invocation) == sync_service.updates_of(invocation)
