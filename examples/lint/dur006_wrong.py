from powertools_durable import DurableContext, Duration, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    try:
        context.wait(Duration.from_hours(1))
        return context.step(lambda _: "done", name="finish")
    except BaseException:  # also catches the suspension
        return "failed"
