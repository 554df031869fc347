from powertools_durable import DurableContext, Duration, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    def book(child: DurableContext) -> str:
        child.wait(Duration.from_seconds(30))
        return child.step(lambda _: "booked", name="confirm")

    return context.run_in_child_context(book, name="book")
