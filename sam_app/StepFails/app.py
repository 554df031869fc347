"""StepFails: a step raises with no retries; the error is not caught, so the execution FAILS at once.

The execution's error carries the step's own type and message (``ValueError``, ``invalid order``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, RetryPresets, StepConfig, StepContext, durable_handler

logger = Logger()

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def validate(step: StepContext) -> None:
    raise ValueError("invalid order")


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any], context: DurableContext) -> str:
    context.step(validate, name="validate", config=NO_RETRY)
    return "unreachable"
