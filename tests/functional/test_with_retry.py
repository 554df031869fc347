"""``with_retry`` retries a whole block of durable operations; ``RetryableSerDesError`` fails only the invocation."""

from __future__ import annotations

import json

import pytest

from powertools_durable import (
    ChildContextError,
    DurableContext,
    Duration,
    JitterStrategy,
    RetryableSerDesError,
    RetryPresets,
    RetryStrategyConfig,
    SerDes,
    SerDesContext,
    StepConfig,
    WithRetryConfig,
    create_retry_strategy,
    with_retry,
)
from powertools_durable.local.memory import run_to_completion
from tests.functional.conftest import bind, invoke

ONE_SECOND_NO_JITTER = create_retry_strategy(
    RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
)


def test_block_is_retried_after_a_durable_backoff_and_replays(service):
    # GIVEN a block whose step fails on attempts 1 and 2 (no step retries) and succeeds on 3
    bodies: list[int] = []

    def block(ctx: DurableContext, attempt: int) -> str:
        bodies.append(attempt)
        return ctx.step(
            lambda _: _ok_on(attempt, 3), name=f"try-{attempt}", config=StepConfig(retry_strategy=RetryPresets.none())
        )

    @bind(service)
    def handler(event, context: DurableContext):
        return with_retry(context, block, WithRetryConfig(retry_strategy=ONE_SECOND_NO_JITTER), name="charge")

    # WHEN it runs to the end
    run = run_to_completion(handler, {}, service=service)

    # THEN it succeeded on attempt 3, after two named backoff waits inside one child context
    assert run.status == "SUCCEEDED", run.error
    assert run.result == "ok on 3"
    waits = [u for call in service.calls for u in call.updates if u["Type"] == "WAIT"]
    assert [(w["Name"], w["WaitOptions"]) for w in waits] == [
        ("charge-backoff-1", {"WaitSeconds": 1}),
        ("charge-backoff-2", {"WaitSeconds": 2}),  # backoff rate 2
    ]
    assert {u.get("ParentId") for u in waits} == {next(iter(_context_ids(service)))}
    # AND every invocation replayed the earlier attempts from their checkpoints before going on
    assert bodies[-3:] == [1, 2, 3]


def _ok_on(attempt: int, success_attempt: int) -> str:
    if attempt < success_attempt:
        raise RuntimeError(f"attempt {attempt} fails")
    return f"ok on {attempt}"


def _context_ids(service) -> set[str]:
    return {u["Id"] for call in service.calls for u in call.updates if u["Type"] == "CONTEXT"}


def test_exhausted_block_surfaces_as_child_context_error(service):
    # GIVEN a block that always fails, retried at most 3 times
    @bind(service)
    def handler(event, context: DurableContext):
        try:
            with_retry(context, lambda ctx, n: _ok_on(n, 99), WithRetryConfig(retry_strategy=ONE_SECOND_NO_JITTER))
        except ChildContextError as error:
            return error.message
        return "not reached"

    # WHEN it runs / THEN the last attempt's error surfaces through the child context
    run = run_to_completion(handler, {}, service=service)
    assert run.result == "attempt 3 fails"


def test_unwrapped_block_raises_the_original_error(service):
    # GIVEN with_retry without a child context and a strategy that never retries
    @bind(service)
    def handler(event, context: DurableContext):
        config = WithRetryConfig[str](
            retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=1)),
            wrap_with_run_in_child_context=False,
        )
        try:
            with_retry(context, lambda ctx, n: _ok_on(n, 2), config)
        except RuntimeError as error:
            return str(error)
        return "not reached"

    # WHEN it runs / THEN the error is the block's own, and nothing was checkpointed
    run = run_to_completion(handler, {}, service=service)
    assert run.result == "attempt 1 fails"
    assert service.calls == []


class FlakyOffloadSerDes(SerDes[str]):
    """A serdes whose store is down for the first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        if self.failures:
            self.failures -= 1
            raise RetryableSerDesError("offload store timed out")
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        result: str = json.loads(data)
        return result


def test_retryable_serdes_error_fails_the_invocation_not_the_step(service):
    # GIVEN a step whose serdes fails transiently once
    serdes = FlakyOffloadSerDes(failures=1)

    @bind(service)
    def handler(event, context: DurableContext):
        return context.step(lambda _: "value", name="offloaded", config=StepConfig(serdes=serdes))

    service.start({})
    # WHEN the first invocation runs / THEN it raises (Lambda retries it) and no outcome was checkpointed
    with pytest.raises(RetryableSerDesError):
        invoke(handler, service)
    assert [u["Action"] for call in service.calls for u in call.updates] == []
    # AND the retried invocation succeeds
    assert invoke(handler, service) == {"Status": "SUCCEEDED", "Result": '"value"'}
