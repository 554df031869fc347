"""Functions answering AWS's wait conformance requirements (2-x), one handler per requirement."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, durable_handler

logger = Logger(service="conformance")


@durable_handler(logger=logger)
def wait_basic(event: Any, context: DurableContext) -> None:  # 2-1
    context.wait(Duration.from_seconds(2))


@durable_handler(logger=logger)
def wait_named(event: Any, context: DurableContext) -> None:  # 2-2
    context.wait(Duration.from_seconds(2), name="custom_wait_name")


@durable_handler(logger=logger)
def wait_sequential(event: Any, context: DurableContext) -> dict[str, int]:  # 2-3
    context.wait(Duration.from_seconds(2), name="wait-1")
    context.wait(Duration.from_seconds(2), name="wait-2")
    return {"completedWaits": 2}


@durable_handler(logger=logger)
def wait_minutes(event: Any, context: DurableContext) -> None:  # 2-4
    context.wait(Duration.from_minutes(1))
