"""``get_async_durable_context()``: the awaitable context of the running async code, innermost first."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from powertools_durable import DurableContext, StepContext, get_durable_context
from powertools_durable.aio import AsyncDurableContext, get_async_durable_context
from powertools_durable.exceptions import DurableContextNotFoundError
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, op_id


async def charge(amount: int) -> int:
    """A helper deep in the call stack: it reaches the context without being handed it."""
    return await get_async_durable_context().step(lambda _: amount, name="charge")


def test_it_is_the_handlers_context_then_the_innermost_childs(service: InMemoryDurableService):
    # GIVEN an async handler asking for it at the top, in a child, in a map iteration and in step bodies
    seen: dict[str, Any] = {}

    def sync_body(step: StepContext) -> str:
        seen["sync step"] = get_async_durable_context()
        return "ok"

    async def in_child(child: AsyncDurableContext) -> int:
        seen["child"] = get_async_durable_context()
        await child.step(sync_body, name="inner")
        return await charge(5)

    async def iteration(child: AsyncDurableContext, item: int, index: int, items: Any) -> int:
        await asyncio.sleep(0)
        seen[f"item {item}"] = get_async_durable_context()
        seen[f"item {item} is its own"] = seen[f"item {item}"].sync is child.sync
        return item

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> int:
        seen["top"] = get_async_durable_context()
        seen["top is the handler's"] = seen["top"] is context
        charged = await context.run_in_child_context(in_child, name="child")
        mapped = await context.map([1, 2], iteration, name="items")
        return charged + sum(mapped.get_results())

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the top is the handler's context, a child's code (its steps' bodies too) sees the child's,
    # a helper's step lands in the child, and each map iteration sees its own
    assert run.result == 8
    assert seen["top is the handler's"]
    assert seen["top"].parent_id is None
    assert seen["child"].parent_id == op_id(1)
    assert seen["sync step"].sync is seen["child"].sync
    assert service.operations[op_id(2, op_id(1))]["Name"] == "charge"
    assert service.operations[op_id(2, op_id(1))]["ParentId"] == op_id(1)
    assert seen["item 1 is its own"]
    assert seen["item 2 is its own"]
    assert seen["item 1"].sync is not seen["item 2"].sync
    assert seen["item 1"].sync is not seen["top"].sync
    assert all(isinstance(seen[key], AsyncDurableContext) for key in ("top", "child", "sync step", "item 1"))


def test_get_durable_context_stays_the_sync_context_in_async_code(service: InMemoryDurableService):
    # GIVEN an async handler asking for both
    seen: list[Any] = []

    @bind(service)
    async def handler(event: Any, context: AsyncDurableContext) -> str:
        seen.extend([get_durable_context(), get_async_durable_context()])
        return "ok"

    # WHEN it runs
    run_to_completion(handler, {}, service=service)

    # THEN get_durable_context() is the sync context, the async one wraps it
    sync, async_ = seen
    assert isinstance(sync, DurableContext)
    assert async_.sync is sync


def test_in_a_sync_handler_it_names_the_accessor_to_use(service: InMemoryDurableService):
    # GIVEN a sync handler asking for the async context
    errors: list[str] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        try:
            get_async_durable_context()
        except DurableContextNotFoundError as exc:
            errors.append(str(exc))
        return "ok"

    # WHEN it runs
    run_to_completion(handler, {}, service=service)

    # THEN the error says to use get_durable_context()
    assert len(errors) == 1
    assert "use get_durable_context()" in errors[0]


def test_outside_a_durable_handler_it_raises():
    with pytest.raises(DurableContextNotFoundError, match="outside a durable handler"):
        get_async_durable_context()
