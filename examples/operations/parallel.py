"""parallel: run branches concurrently, each in its own child context; get every outcome back."""

from __future__ import annotations

from powertools_durable import (
    CompletionConfig,
    DurableContext,
    ParallelConfig,
    durable_execution,
    durable_parallel_branch,
)


@durable_parallel_branch(name="quote-carrier-a")
def carrier_a(ctx: DurableContext, weight: int) -> dict:
    return ctx.step(lambda _: {"carrier": "a", "price": 10 + weight}, name="quote")


@durable_parallel_branch(name="quote-carrier-b")
def carrier_b(ctx: DurableContext, weight: int) -> dict:
    def unavailable(_: object) -> dict:
        raise ConnectionError("carrier b is down")

    return ctx.step(unavailable, name="quote")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    quotes = context.parallel(
        [carrier_a(event["weight"]), carrier_b(event["weight"])],
        name="quotes",
        # run both whatever fails; at most two branches in flight
        config=ParallelConfig(max_concurrency=2, completion_config=CompletionConfig.all_completed()),
    )
    cheapest = min(quotes.get_results(), key=lambda quote: quote["price"])
    return {"cheapest": cheapest, "failed": [error.message for error in quotes.get_errors() if error]}
