"""``wait_for_condition`` polls durably: the exact updates the official SDK sends, fresh and replayed.

The expected updates below were recorded by running AWS's official SDK
(``aws-durable-execution-sdk-python`` 3.0.0) over ``InMemoryDurableService`` through a
boto3-shaped client, as ``tests/functional/data/record_official.py`` does for steps.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from powertools_durable import (
    DurableContext,
    Duration,
    JitterStrategy,
    NonDeterministicExecutionError,
    StepError,
    ValidationError,
    WaitForConditionCheckContext,
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitForConditionError,
    WaitStrategyConfig,
    create_wait_strategy,
)
from powertools_durable.local.memory import run_to_completion
from tests.functional.conftest import bind, invoke, op_id, without_stack_traces


def _wfc(action: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
    """The exact ``OperationUpdate`` the first top-level wait_for_condition sends."""
    update: dict[str, Any] = {"Id": op_id(1), "Type": "STEP", "SubType": "WaitForCondition", "Action": action}
    if name is not None:
        update["Name"] = name
    update.update(fields)
    return update


def _below(limit: int, delay: int = 2):
    """A fixed-delay wait strategy: poll again while the state is below ``limit``."""

    def strategy(state: int, attempt: int) -> WaitForConditionDecision:
        if state < limit:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(delay))
        return WaitForConditionDecision.stop_polling()

    return strategy


def test_polls_until_the_strategy_stops_with_the_official_updates(service):
    # GIVEN a counter polled until it reaches 3, two seconds apart
    seen: list[tuple[int, int]] = []

    def check(state: int, ctx: WaitForConditionCheckContext) -> int:
        seen.append((state, ctx.attempt))
        return state + 1

    @bind(service)
    def handler(event, context: DurableContext):
        return context.wait_for_condition(check, WaitForConditionConfig(_below(3), initial_state=0), name="poll")

    # WHEN it runs to the end
    run = run_to_completion(handler, {}, service=service)

    # THEN it returns the final state after three polls, one per invocation
    assert run.status == "SUCCEEDED", run.error
    assert run.result == 3
    assert seen == [(0, 1), (1, 2), (2, 3)]
    retry = {"StepOptions": {"NextAttemptDelaySeconds": 2}}
    # AND each invocation sent START with the poll's outcome in one call, exactly as the official SDK
    assert [call.updates for call in service.calls] == [
        [_wfc("START", "poll"), _wfc("RETRY", "poll", Payload="1", **retry)],
        [_wfc("START", "poll"), _wfc("RETRY", "poll", Payload="2", **retry)],
        [_wfc("START", "poll"), _wfc("SUCCEED", "poll", Payload="3")],
    ]
    assert service.operations[op_id(1)]["StepDetails"]["Attempt"] == 2


def test_a_finished_poll_is_replayed_without_running_the_check(service):
    # GIVEN a wait_for_condition met on the first poll, followed by a wait
    checks: list[int] = []

    def check(state: int, ctx: WaitForConditionCheckContext) -> int:
        checks.append(state)
        return state

    @bind(service)
    def handler(event, context: DurableContext):
        value = context.wait_for_condition(check, WaitForConditionConfig(_below(5), initial_state=5))
        context.wait(Duration.from_seconds(1))
        return value * 10

    # WHEN it runs to the end (the second invocation replays the SUCCEEDED operation)
    run = run_to_completion(handler, {}, service=service)

    # THEN the check ran once and its checkpointed state was returned on replay
    assert run.status == "SUCCEEDED", run.error
    assert run.result == 50
    assert checks == [5]
    assert service.updates_of(1)[:2] == [_wfc("START"), _wfc("SUCCEED", Payload="5")]
    assert service.updates_of(2) == []


def test_structured_state_is_threaded_through_the_checkpoint(service):
    # GIVEN an object state made DONE on the second poll, with the default (tagged) serdes
    def check(state: dict[str, Any], ctx: WaitForConditionCheckContext) -> dict[str, Any]:
        attempts = state["attempts"] + 1
        return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}

    strategy = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=lambda s: s["status"] == "PENDING",
            initial_delay=Duration.from_seconds(3),
            jitter_strategy=JitterStrategy.NONE,
        )
    )

    @bind(service)
    def handler(event, context: DurableContext):
        return context.wait_for_condition(
            check, WaitForConditionConfig(strategy, initial_state={"status": "PENDING", "attempts": 0})
        )

    # WHEN it runs to the end
    run = run_to_completion(handler, {}, service=service)

    # THEN the second poll read the first one's state back from the RETRY payload
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"status": "DONE", "attempts": 2}
    assert service.updates_of(1) == [
        _wfc("START"),
        _wfc(
            "RETRY",
            Payload='{"t":"m","v":{"status":{"t":"s","v":"PENDING"},"attempts":{"t":"i","v":1}}}',
            StepOptions={"NextAttemptDelaySeconds": 3},
        ),
    ]


def test_exhausted_attempts_fail_the_operation(service):
    # GIVEN a condition that is never met, polled at most 2 times
    strategy = create_wait_strategy(
        WaitStrategyConfig(
            should_continue_polling=lambda s: True,
            max_attempts=2,
            initial_delay=Duration.from_seconds(1),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )

    @bind(service)
    def handler(event, context: DurableContext):
        return context.wait_for_condition(lambda s, c: s + 1, WaitForConditionConfig(strategy, initial_state=0))

    # WHEN it runs to the end
    run = run_to_completion(handler, {}, service=service)

    # THEN the second poll's strategy failed the operation for good, as the official SDK does
    assert run.status == "FAILED"
    message = "wait_for_condition exhausted 2 attempts before the condition was met"
    error = {"ErrorType": "powertools_durable.exceptions.WaitForConditionError", "ErrorMessage": message}
    assert without_stack_traces(service.updates_of(2)) == [_wfc("START"), _wfc("FAIL", Error=error)]


def test_a_raising_check_fails_for_good_and_replays_the_same_error(service):
    # GIVEN a check that raises on its first poll, caught by the handler, then a wait
    errors: list[tuple[str, str | None, str | None]] = []

    def check(state: int, ctx: WaitForConditionCheckContext) -> int:
        raise ValueError("sensor offline")

    @bind(service)
    def handler(event, context: DurableContext):
        try:
            context.wait_for_condition(check, WaitForConditionConfig(_below(3), initial_state=0))
        except WaitForConditionError as error:
            errors.append((type(error).__name__, error.error_type, error.message))
        context.wait(Duration.from_seconds(1))
        return "recovered"

    # WHEN it runs to the end
    run = run_to_completion(handler, {}, service=service)

    # THEN one FAIL was checkpointed (no retry of check errors) and the replay raised the same error
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "recovered"
    assert without_stack_traces(service.updates_of(1))[:2] == [
        _wfc("START"),
        _wfc("FAIL", Error={"ErrorType": "ValueError", "ErrorMessage": "sensor offline"}),
    ]
    assert errors == [("WaitForConditionError", "ValueError", "sensor offline")] * 2


def test_none_state_and_a_sub_second_delay(service):
    # GIVEN a strategy asking for no delay, then a check returning None
    def strategy(state: Any, attempt: int) -> WaitForConditionDecision:
        if attempt == 1:
            return WaitForConditionDecision.continue_waiting(Duration())
        return WaitForConditionDecision.stop_polling()

    @bind(service)
    def handler(event, context: DurableContext):
        return context.wait_for_condition(lambda s, c: None, WaitForConditionConfig(strategy, initial_state="x"))

    # WHEN it runs to the end
    run = run_to_completion(handler, {}, service=service)

    # THEN the delay was raised to the service's minimum of 1 second and None came back
    assert run.status == "SUCCEEDED", run.error
    assert run.result is None
    assert service.updates_of(1)[1] == _wfc("RETRY", Payload="null", StepOptions={"NextAttemptDelaySeconds": 1})
    assert service.updates_of(2) == [_wfc("START"), _wfc("SUCCEED", Payload="null")]


def test_custom_serdes_writes_the_state(service):
    class Upper:
        def serialize(self, value: str, serdes_context: Any) -> str:
            return json.dumps(value.upper())

        def deserialize(self, data: str, serdes_context: Any) -> str:
            result: str = json.loads(data)
            return result

    @bind(service)
    def handler(event, context: DurableContext):
        config = WaitForConditionConfig(
            lambda s, a: WaitForConditionDecision.stop_polling(), initial_state="a", serdes=Upper()
        )
        return context.wait_for_condition(lambda s, c: s + "b", config)

    run = run_to_completion(handler, {}, service=service)

    assert run.result == "AB"
    assert service.updates_of(1)[1] == _wfc("SUCCEED", Payload='"AB"')


def test_check_and_config_are_required(service):
    @bind(service)
    def handler(event, context: DurableContext):
        with pytest.raises(ValidationError, match="`check` is required"):
            context.wait_for_condition(None, WaitForConditionConfig(_below(1), 0))  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="`config` is required"):
            context.wait_for_condition(lambda s, c: s, None)  # type: ignore[arg-type]
        return "ok"

    assert run_to_completion(handler, {}, service=service).result == "ok"
    assert service.calls == []


def test_replay_meeting_a_step_where_a_wait_for_condition_was_is_non_deterministic(service):
    # GIVEN a first invocation that left a polling wait_for_condition
    @bind(service)
    def original(event, context: DurableContext):
        return context.wait_for_condition(lambda s, c: s + 1, WaitForConditionConfig(_below(3), 0), name="poll")

    service.start({})
    assert invoke(original, service) == {"Status": "PENDING"}
    assert service.advance()

    # WHEN the code now asks for a plain step at that position
    @bind(service)
    def changed(event, context: DurableContext):
        try:
            return context.step(lambda _: 1, name="poll")
        except StepError:
            return "unreachable"

    output = invoke(changed, service)

    # THEN the execution fails as non-deterministic, naming the recorded subtype
    assert output["Status"] == "FAILED"
    assert output["Error"]["ErrorType"].endswith(NonDeterministicExecutionError.__name__)
    assert "WaitForCondition" in output["Error"]["ErrorMessage"]
