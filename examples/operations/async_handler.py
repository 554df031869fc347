"""Async handlers: an ``async def`` handler gets an ``AsyncDurableContext``; every operation is awaited."""

from __future__ import annotations

import asyncio

from powertools_durable import AsyncDurableContext, Duration, StepContext, durable_execution, durable_step

outbox: list[dict] = []  # stands in for an email, a queue, a ticketing system...


@durable_step
async def quote(step: StepContext, carrier: str, weight: int) -> dict:
    await asyncio.sleep(0)  # an aiohttp / httpx / aioboto3 call would go here
    return {"carrier": carrier, "price": weight * (3 if carrier == "a" else 2)}


async def ask_manager(callback_id: str, _: object) -> None:
    outbox.append({"approve": "shipping", "reply_to": callback_id})


@durable_execution
async def handler(event: dict, context: AsyncDurableContext) -> dict:
    # ids are taken when the operations are called, so gathering them replays deterministically
    quotes = await asyncio.gather(context.step(quote("a", event["weight"])), context.step(quote("b", event["weight"])))
    cheapest = min(quotes, key=lambda q: q["price"])
    await context.wait(Duration.from_seconds(10), name="cool-off")
    answer = await context.wait_for_callback(ask_manager, name="approval")  # suspends until answered
    return {"cheapest": cheapest, "approval": answer}
