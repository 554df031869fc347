"""Retries: a failed attempt is checkpointed as RETRY and the step runs again after a delay."""

from __future__ import annotations

from powertools_durable import (
    DurableContext,
    Duration,
    JitterStrategy,
    RetryPresets,
    RetryStrategyConfig,
    StepConfig,
    StepContext,
    create_retry_strategy,
    durable_execution,
    durable_step,
)


class ServiceUnavailable(Exception):
    pass


@durable_step
def call_partner(step: StepContext, order_id: str) -> str:
    if step.attempt < 3:
        raise ServiceUnavailable(f"partner busy (attempt {step.attempt})")
    return f"accepted {order_id}"


backoff = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=5,
            initial_delay=Duration.from_seconds(2),
            max_delay=Duration.from_minutes(1),
            backoff_rate=2.0,
            jitter_strategy=JitterStrategy.FULL,
            retryable_error_types=[ServiceUnavailable],  # anything else fails the step at once
        )
    )
)


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    accepted = context.step(call_partner(event["order_id"]), config=backoff)
    audited = context.step(lambda _: "audited", name="audit", config=StepConfig(retry_strategy=RetryPresets.none()))
    return {"partner": accepted, "audit": audited}
