"""The scenarios of AWS's .NET durable integration suite, checked invocation by invocation.

Each test asserts the exact OperationUpdates each invocation checkpointed and the exact
output envelope each invocation returned.
"""

from __future__ import annotations

import random
import time

import pytest

from powertools_durable import (
    DurableContext,
    Duration,
    ExtendedTypeSerDes,
    RetryPresets,
    StepConfig,
    StepContext,
    StepError,
    StepSemantics,
    durable_step,
)
from powertools_durable.local.memory import run_to_completion
from tests.functional.conftest import bind, invoke, op_id, step_update, wait_update, without_stack_traces

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


@durable_step
def add(step: StepContext, value: int, amount: int) -> int:
    return value + amount


def test_step_wait_step(service):
    # GIVEN a workflow step -> wait(5 s) -> step
    @bind(service)
    def handler(event, context: DurableContext):
        first = context.step(lambda _: f"hello {event['name']}", name="greet")
        context.wait(Duration.from_seconds(5), name="pause")
        return context.step(lambda _: first.upper(), name="shout")

    # WHEN it runs to its end
    run = run_to_completion(handler, {"name": "ann"}, service=service)

    # THEN invocation 1 checkpoints the first step (START batched with SUCCEED) and the wait, and pends
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": '"HELLO ANN"'}]
    assert [len(call.updates) for call in service.calls if call.invocation == 1] == [2, 1]
    assert service.updates_of(1) == [
        step_update(1, "START", "greet"),
        step_update(1, "SUCCEED", "greet", Payload='"hello ann"'),
        wait_update(2, 5, "pause"),
    ]
    # AND invocation 2 replays step 1 and the wait and checkpoints only the second step
    assert service.updates_of(2) == [
        step_update(3, "START", "shout"),
        step_update(3, "SUCCEED", "shout", Payload='"HELLO ANN"'),
    ]
    assert run.status == "SUCCEEDED"
    assert run.result == "HELLO ANN"


def test_multiple_steps_chain_values(service):
    # GIVEN five durable steps, each adding to the previous result
    calls = []

    @durable_step
    def counted_add(step: StepContext, value: int, amount: int) -> int:
        calls.append(step.attempt)
        return value + amount

    @bind(service)
    def handler(event, context: DurableContext):
        value = event["start"]
        for amount in (1, 2, 3, 4, 5):
            value = context.step(counted_add(value, amount))
        return {"total": value}

    # WHEN it runs
    run = run_to_completion(handler, {"start": 10}, service=service)

    # THEN one invocation, one checkpoint call per step, START+SUCCEED each with the chained value
    assert run.outputs == [{"Status": "SUCCEEDED", "Result": '{"total": 25}'}]
    assert [len(call.updates) for call in service.calls] == [2] * 5
    expected = []
    running = 10
    for position, amount in enumerate((1, 2, 3, 4, 5), start=1):
        running += amount
        expected += [
            step_update(position, "START", "counted_add"),
            step_update(position, "SUCCEED", "counted_add", Payload=str(running)),
        ]
    assert service.updates_of(1) == expected
    assert calls == [1, 1, 1, 1, 1]


def test_wait_only(service):
    # GIVEN a workflow that only waits 3 seconds
    @bind(service)
    def handler(event, context: DurableContext):
        context.wait(Duration.from_seconds(3))
        return "done"

    # WHEN it runs to its end
    run = run_to_completion(handler, None, service=service)

    # THEN invocation 1 starts the wait (unnamed) and pends; invocation 2 checkpoints nothing and succeeds
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": '"done"'}]
    assert service.updates_of(1) == [wait_update(1, 3)]
    assert service.updates_of(2) == []
    assert service.operations[op_id(1)]["Status"] == "SUCCEEDED"
    assert service.operations[op_id(1)]["EndTimestamp"] - service.operations[op_id(1)]["StartTimestamp"] == 3000


def test_longer_wait_and_waits_in_a_row(service):
    # GIVEN a 10-minute wait followed by two more waits
    @bind(service)
    def handler(event, context: DurableContext):
        context.wait(Duration.from_minutes(10), name="long")
        context.wait(Duration.from_hours(1), name="longer")
        context.wait(Duration.from_days(1), name="longest")
        return "awake"

    # WHEN it runs to its end
    start_ms = service.now_ms
    run = run_to_completion(handler, {}, service=service)

    # THEN each invocation starts exactly one wait and pends, the last one succeeds
    assert run.outputs == [{"Status": "PENDING"}] * 3 + [{"Status": "SUCCEEDED", "Result": '"awake"'}]
    assert service.updates_of(1) == [wait_update(1, 600, "long")]
    assert service.updates_of(2) == [wait_update(2, 3600, "longer")]
    assert service.updates_of(3) == [wait_update(3, 86400, "longest")]
    assert service.updates_of(4) == []
    # AND the virtual clock moved by the sum of the waits
    assert service.now_ms - start_ms == (600 + 3600 + 86400) * 1000


def test_replay_determinism_returns_recorded_value_without_rerunning(service):
    # GIVEN a step whose result is random and time-based, followed by a wait
    body_runs = []

    @bind(service)
    def handler(event, context: DurableContext):
        def roll(_: StepContext) -> dict:
            body_runs.append(1)
            return {"roll": random.random(), "at": time.time_ns()}

        first = context.step(roll, name="roll")
        context.wait(Duration.from_seconds(1))
        second = context.step(roll, name="roll-again")
        return {"first": first, "second": second}

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service)

    # THEN the first roll is replayed identically in invocation 2, and its body ran once
    assert [o["Status"] for o in run.outputs] == ["PENDING", "SUCCEEDED"]
    recorded = service.operations[op_id(1)]["StepDetails"]["Result"]
    assert service.updates_of(1)[1]["Payload"] == recorded
    assert recorded.startswith('{"t":"m","v":{"roll":{"t":"f","v":')
    assert run.result["first"] == ExtendedTypeSerDes().deserialize(recorded)
    assert run.result["first"] != run.result["second"]
    assert len(body_runs) == 2  # roll once in invocation 1, roll-again once in invocation 2
    assert [u["Id"] for u in service.updates_of(2)] == [op_id(3), op_id(3)]


def test_replay_returns_identical_value_to_first_run(service):
    # GIVEN a handler that remembers what the random step returned in each invocation
    seen = []

    @bind(service)
    def handler(event, context: DurableContext):
        value = context.step(lambda _: random.random(), name="random")
        seen.append(value)
        context.wait(Duration.from_seconds(1))
        return value

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service)

    # THEN invocation 2 saw exactly the value invocation 1 computed, and the result is that value
    assert len(seen) == 2
    assert seen[0] == seen[1]
    assert run.result == seen[0]
    assert len(service.updates_of(2)) == 0


# --- StepFails ---------------------------------------------------------------------------------


def test_step_fails_without_retry_fails_execution_at_once(service):
    # GIVEN a step that raises, with no retries, not caught by the handler
    @bind(service)
    def handler(event, context: DurableContext):
        def explode(_: StepContext) -> None:
            raise ValueError("boom")

        context.step(explode, name="explode", config=NO_RETRY)
        return "unreachable"

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN one invocation: START and FAIL in one call, the execution FAILED with the step's error
    assert len(run.outputs) == 1
    output = run.outputs[0]
    assert output["Status"] == "FAILED"
    assert set(output) == {"Status", "Error"}
    assert output["Error"]["ErrorType"] == "powertools_durable.exceptions.StepError"
    assert output["Error"]["ErrorMessage"] == "boom"
    assert any("explode" in line for line in output["Error"]["StackTrace"])
    assert len(service.calls) == 1
    assert without_stack_traces(service.updates_of(1)) == [
        step_update(1, "START", "explode"),
        step_update(1, "FAIL", "explode", Error={"ErrorType": "ValueError", "ErrorMessage": "boom"}),
    ]
    assert service.operations[op_id(1)]["Status"] == "FAILED"


def test_step_fails_caught_as_step_error(service):
    # GIVEN a handler that catches the StepError of a failing step
    @bind(service)
    def handler(event, context: DurableContext):
        def explode(_: StepContext) -> None:
            raise KeyError("missing")

        try:
            context.step(explode, name="explode", config=NO_RETRY)
        except StepError as error:
            return {"type": error.error_type, "message": error.message}
        return "unreachable"

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the handler saw the original type and message, and the execution succeeded
    assert run.outputs == [
        {"Status": "SUCCEEDED", "Result": '{"type": "KeyError", "message": "\'missing\'"}'},
    ]
    assert [u["Action"] for u in service.updates_of(1)] == ["START", "FAIL"]


def test_failed_step_replays_its_error_without_running(service):
    # GIVEN a caught failing step followed by a wait, so invocation 2 replays the failure
    runs = []

    @bind(service)
    def handler(event, context: DurableContext):
        def explode(_: StepContext) -> None:
            runs.append(1)
            raise RuntimeError("kaput")

        try:
            context.step(explode, name="explode", config=NO_RETRY)
        except StepError as error:
            caught = f"{error.error_type}: {error.message}"
        context.wait(Duration.from_seconds(2))
        return caught

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN the body ran once; invocation 2 got the same StepError from the checkpoint
    assert runs == [1]
    assert run.outputs[-1] == {"Status": "SUCCEEDED", "Result": '"RuntimeError: kaput"'}
    assert service.updates_of(2) == []


def test_step_fails_with_default_retries_pends_between_attempts_then_fails(service):
    # GIVEN a step that always raises, under the default retry strategy (6 attempts)
    attempts = []

    @bind(service)
    def handler(event, context: DurableContext):
        def flaky(step: StepContext) -> None:
            attempts.append(step.attempt)
            raise ConnectionError(f"attempt {step.attempt} failed")

        context.step(flaky, name="flaky")
        return "unreachable"

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN attempts 1-5 each checkpoint START+RETRY in one call and pend; attempt 6 checkpoints START+FAIL
    assert attempts == [1, 2, 3, 4, 5, 6]
    assert [o["Status"] for o in run.outputs] == ["PENDING"] * 5 + ["FAILED"]
    assert [len(call.updates) for call in service.calls] == [2] * 6
    bounds = [5, 10, 20, 40, 60]  # 5 s doubling, capped at 60 s, full jitter
    for invocation, bound in enumerate(bounds, start=1):
        start, retry = without_stack_traces(service.updates_of(invocation))
        assert start == step_update(1, "START", "flaky")
        delay = retry.pop("StepOptions")["NextAttemptDelaySeconds"]
        assert isinstance(delay, int)
        assert 1 <= delay <= bound
        assert retry == step_update(
            1,
            "RETRY",
            "flaky",
            Error={"ErrorType": "ConnectionError", "ErrorMessage": f"attempt {invocation} failed"},
        )
    assert without_stack_traces(service.updates_of(6)) == [
        step_update(1, "START", "flaky"),
        step_update(1, "FAIL", "flaky", Error={"ErrorType": "ConnectionError", "ErrorMessage": "attempt 6 failed"}),
    ]
    assert run.outputs[-1]["Error"]["ErrorType"] == "powertools_durable.exceptions.StepError"
    assert run.outputs[-1]["Error"]["ErrorMessage"] == "attempt 6 failed"
    assert service.operations[op_id(1)]["StepDetails"]["Attempt"] == 6


def test_step_succeeds_on_a_retry(service):
    # GIVEN a step that fails twice then succeeds, with a fixed 7 s retry delay
    from powertools_durable import JitterStrategy, RetryStrategyConfig, create_retry_strategy

    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=5, initial_delay=Duration(7), backoff_rate=1, jitter_strategy=JitterStrategy.NONE
        )
    )

    @bind(service)
    def handler(event, context: DurableContext):
        def flaky(step: StepContext) -> int:
            if step.attempt < 3:
                raise TimeoutError("slow")
            return step.attempt

        return context.step(flaky, name="flaky", config=StepConfig(retry_strategy=strategy))

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN two RETRYs of 7 s, then START+SUCCEED with the attempt number
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": "3"}]
    for invocation in (1, 2):
        assert without_stack_traces(service.updates_of(invocation))[1] == step_update(
            1,
            "RETRY",
            "flaky",
            Error={"ErrorType": "TimeoutError", "ErrorMessage": "slow"},
            StepOptions={"NextAttemptDelaySeconds": 7},
        )
    assert service.updates_of(3) == [step_update(1, "START", "flaky"), step_update(1, "SUCCEED", "flaky", Payload="3")]


# --- step semantics ----------------------------------------------------------------------------


def test_at_least_once_start_is_batched_with_succeed(service):
    # GIVEN three default (at-least-once) steps
    @bind(service)
    def handler(event, context: DurableContext):
        return [context.step(add(i, 1)) for i in range(3)]

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN each step costs exactly one checkpoint call carrying [START, SUCCEED]
    assert run.result == [1, 2, 3]
    assert len(service.calls) == 3
    for position, call in enumerate(service.calls, start=1):
        assert [(u["Id"], u["Action"]) for u in call.updates] == [
            (op_id(position), "START"),
            (op_id(position), "SUCCEED"),
        ]


def test_at_most_once_sends_start_before_the_body_runs(service):
    # GIVEN an at-most-once step whose body records how many checkpoint calls happened before it ran
    seen_calls = []

    @bind(service)
    def handler(event, context: DurableContext):
        def body(_: StepContext) -> str:
            seen_calls.append([u["Action"] for call in service.calls for u in call.updates])
            return "charged"

        config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
        return context.step(body, name="charge", config=config)

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN START was acknowledged in its own call before the body ran, SUCCEED in a second call
    assert seen_calls == [["START"]]
    assert [call.updates for call in service.calls] == [
        [step_update(1, "START", "charge")],
        [step_update(1, "SUCCEED", "charge", Payload='"charged"')],
    ]
    assert run.outputs == [{"Status": "SUCCEEDED", "Result": '"charged"'}]


def _crash_after_start(service, retry_strategy):
    """Run an at-most-once step whose first attempt dies after START; return the handler and body runs."""
    runs = []

    class Crash(BaseException):
        pass

    @bind(service)
    def handler(event, context: DurableContext):
        def body(step: StepContext) -> str:
            runs.append(step.attempt)
            if step.attempt == 1:
                raise Crash
            return f"attempt {step.attempt}"

        config = StepConfig(retry_strategy=retry_strategy, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
        try:
            return context.step(body, name="charge", config=config)
        except StepError as error:
            return {"error_type": error.error_type, "message": error.message}

    service.start({})
    with pytest.raises(Crash):
        invoke(handler, service)
    return handler, runs


def test_started_at_most_once_step_without_retries_fails_as_interrupted(service):
    # GIVEN an at-most-once step (no retries) whose first invocation crashed after its START
    handler, runs = _crash_after_start(service, RetryPresets.none())
    assert service.operations[op_id(1)]["Status"] == "STARTED"

    # WHEN Lambda invokes again
    output = invoke(handler, service)

    # THEN the body is not run again; the interruption fails the step, which the handler catches
    assert runs == [1]
    assert output["Status"] == "SUCCEEDED"
    assert '"error_type": "powertools_durable.exceptions.StepInterruptedError"' in output["Result"]
    (fail,) = without_stack_traces(service.updates_of(2))
    assert fail["Action"] == "FAIL"
    assert fail["Error"]["ErrorType"] == "powertools_durable.exceptions.StepInterruptedError"
    assert "started by an earlier invocation" in fail["Error"]["ErrorMessage"]
    assert fail["Id"] == op_id(1)


def test_started_at_most_once_step_is_retried_as_the_next_attempt(service):
    # GIVEN an at-most-once step (default retries) whose first invocation crashed after its START
    handler, runs = _crash_after_start(service, None)

    # WHEN Lambda invokes again, and again after the retry delay
    second = invoke(handler, service)
    assert service.advance()
    third = invoke(handler, service)

    # THEN invocation 2 turns the interruption into a RETRY without running the body; attempt 2 then runs
    assert second == {"Status": "PENDING"}
    (retry,) = without_stack_traces(service.updates_of(2))
    assert retry["Action"] == "RETRY"
    assert retry["Error"]["ErrorType"] == "powertools_durable.exceptions.StepInterruptedError"
    assert 1 <= retry["StepOptions"]["NextAttemptDelaySeconds"] <= 5
    assert runs == [1, 2]
    assert third == {"Status": "SUCCEEDED", "Result": '"attempt 2"'}
    assert [call.updates for call in service.calls if call.invocation == 3] == [
        [step_update(1, "START", "charge")],
        [step_update(1, "SUCCEED", "charge", Payload='"attempt 2"')],
    ]
