from powertools_durable import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    total = context.step(lambda _: sum(event["amounts"]), name="total")
    return [total]
