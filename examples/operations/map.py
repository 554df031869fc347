"""map: run one function per item concurrently; a wait inside an iteration suspends only that iteration."""

from __future__ import annotations

from collections.abc import Sequence

from powertools_durable import CompletionConfig, DurableContext, Duration, MapConfig, durable_execution


def ship_line(ctx: DurableContext, line: dict, index: int, lines: Sequence[dict]) -> str:
    reserved = ctx.step(lambda _: f"{line['sku']} x{line['qty']}", name="reserve")
    if line.get("backorder"):
        ctx.wait(Duration.from_hours(1), name="restock")  # this iteration suspends; the others go on
    return ctx.step(lambda _: f"shipped {reserved}", name="ship")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    result = context.map(
        event["lines"],
        ship_line,
        name="ship-lines",
        config=MapConfig(
            max_concurrency=10,
            completion_config=CompletionConfig(tolerated_failure_count=1),
            item_namer=lambda line, index: f"line-{line['sku']}",
        ),
    )
    result.throw_if_error()  # raises the first failed item's error, if any
    return {"shipped": result.get_results(), "reason": result.completion_reason.value}
