"""RetrySucceeds: a step fails on attempts 1 and 2 and succeeds on attempt 3 (no jitter: 1 s, then 2 s)."""

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


def flaky(step: StepContext) -> dict[str, int]:
    if step.attempt < 3:
        raise RuntimeError(f"attempt {step.attempt} failed")
    return {"attempt": step.attempt}


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, int]:
    outcome = context.step(flaky, name="flaky", config=RETRY)
    return {"succeeded_on_attempt": outcome["attempt"]}
