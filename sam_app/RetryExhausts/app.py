"""RetryExhausts: a step that always fails; after 3 attempts its error fails the execution."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    DurableContext,
    Duration,
    JitterStrategy,
    RetryStrategyConfig,
    StepConfig,
    StepContext,
    create_retry_strategy,
    durable_handler,
)

logger = Logger()

RETRY = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
    )
)


def always_fails(step: StepContext) -> None:
    raise RuntimeError(f"attempt {step.attempt} failed")


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any], context: DurableContext) -> str:
    context.step(always_fails, name="always-fails", config=RETRY)
    return "unreachable"
