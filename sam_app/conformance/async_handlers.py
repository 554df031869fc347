"""Async versions of some conformance handlers: the same requirements, answered by ``async def`` code.

Mapped to requirements by tests/conformance/test_async_conformance.py (not by TestDescription: the
sync function stays each requirement's answer in the conformance report).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    Duration,
    MapConfig,
    ParallelConfig,
    StepContext,
    WaitForCallbackContext,
    WaitForConditionCheckContext,
    WaitForConditionConfig,
    WaitForConditionDecision,
    durable_handler,
    durable_step,
)
from powertools_durable.aio import AsyncDurableContext

logger = Logger(service="conformance")
ECHO = os.environ.get("ECHO_FUNCTION", "ConformanceInvokeEchoFunction")


@durable_step
async def greet(step: StepContext, name: str) -> str:
    await asyncio.sleep(0)  # a real coroutine: it runs on the handler's event loop
    return f"Hello, {name}!"


@durable_step
async def step_two(step: StepContext, first: str) -> str:
    return f"{first}_second"


def _fails_until(attempt: int, succeed_on: int, result: str) -> str:
    if attempt < succeed_on:
        raise RuntimeError(f"attempt {attempt} fails on purpose")
    return result


@durable_handler(logger=logger)
async def step_basic(event: str, context: AsyncDurableContext) -> str:  # 1-1
    return await context.step(greet(event))


@durable_handler(logger=logger)
async def step_sequential(event: Any, context: AsyncDurableContext) -> str:  # 1-3
    first = await context.step(lambda _: "first", name="step_one")
    return await context.step(step_two(first))


@durable_handler(logger=logger)
async def step_then_wait(event: Any, context: AsyncDurableContext) -> str:  # 1-8
    result = await context.step(lambda _: "computed", name="compute")
    await context.wait(Duration.from_seconds(2))
    return result


@durable_handler(logger=logger)
async def step_default_retry(event: Any, context: AsyncDurableContext) -> str:  # 1-13
    async def unreliable(step: StepContext) -> str:
        return _fails_until(step.attempt, 3, "succeeded")

    return await context.step(unreliable, name="unreliable")


@durable_handler(logger=logger)
async def wait_basic(event: Any, context: AsyncDurableContext) -> None:  # 2-1
    await context.wait(Duration.from_seconds(2))


@durable_handler(logger=logger)
async def wait_sequential(event: Any, context: AsyncDurableContext) -> dict[str, int]:  # 2-3
    await context.wait(Duration.from_seconds(2), name="wait-1")
    await context.wait(Duration.from_seconds(2), name="wait-2")
    return {"completedWaits": 2}


@durable_handler(logger=logger)
async def callback_basic(event: str, context: AsyncDurableContext) -> Any:  # 4-1
    callback = await context.create_callback(name=event)
    return await callback.result()


@durable_handler(logger=logger)
async def callback_step_then_failure(event: str, context: AsyncDurableContext) -> Any:  # 4-7
    callback = await context.create_callback(name=event)
    await context.step(lambda _: "work done", name="work")
    return await callback.result()


@durable_handler(logger=logger)
async def map_basic(event: list[str], context: AsyncDurableContext) -> list[Any]:  # 9-1
    async def greet(ctx: AsyncDurableContext, item: str, index: int, items: Sequence[str]) -> str:
        return await ctx.step(lambda _: f"Hello, {item}!")

    result = await context.map(event, greet, name="map", config=MapConfig(max_concurrency=1))
    return result.get_results()


@durable_handler(logger=logger)
async def child_basic(event: str, context: AsyncDurableContext) -> str:  # 3-1
    async def in_child(child: AsyncDurableContext) -> str:
        return await child.step(lambda _: event)

    return await context.run_in_child_context(in_child)


@durable_handler(logger=logger)
async def invoke_echo(event: str, context: AsyncDurableContext) -> Any:  # 5-1
    return await context.invoke(ECHO, event)


def _until(threshold: int) -> Any:
    def strategy(state: int, attempts_made: int) -> WaitForConditionDecision:
        if state < threshold:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    return strategy


async def _increment(state: int, check: WaitForConditionCheckContext) -> int:
    await asyncio.sleep(0)
    return state + 1


@durable_handler(logger=logger)
async def poll_basic(event: int, context: AsyncDurableContext) -> int:  # 6-1
    return await context.wait_for_condition(_increment, WaitForConditionConfig(_until(event), initial_state=0))


async def _submit(callback_id: str, context: WaitForCallbackContext) -> None:
    await asyncio.sleep(0)
    context.logger.info(f"submitted callback {callback_id}")


@durable_handler(logger=logger)
async def wfc_basic(event: str, context: AsyncDurableContext) -> Any:  # 7-1
    return await context.wait_for_callback(_submit, name=event)


@durable_handler(logger=logger)
async def parallel_basic(event: Any, context: AsyncDurableContext) -> list[Any]:  # 8-1
    async def task(ctx: AsyncDurableContext, value: str) -> str:
        return await ctx.step(lambda _: value)

    branches = [lambda ctx: task(ctx, "task-1"), lambda ctx: task(ctx, "task-2")]
    result = await context.parallel(branches, name="parallel", config=ParallelConfig(max_concurrency=1))
    return result.get_results()
