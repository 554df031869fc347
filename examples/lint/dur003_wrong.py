from powertools_durable import DurableContext, Duration, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    def book(_) -> str:
        context.wait(Duration.from_seconds(30))  # an operation inside a step body
        return "booked"

    return context.step(book, name="book")
