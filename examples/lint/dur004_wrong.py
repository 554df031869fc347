from powertools_durable import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    totals: list[int] = []
    context.step(lambda _: totals.append(sum(event["amounts"])), name="total")
    return totals  # empty on every replay
