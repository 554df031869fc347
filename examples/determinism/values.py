from powertools_durable import DurableContext, Duration, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    order_id = str(context.uuid4())  # the same id on every replay of this execution
    started = context.now()  # before any operation: when the execution started
    context.wait(Duration.from_seconds(30))
    woke = context.now()  # the moment the service ended the wait
    reviewers = context.random().sample(sorted(event["reviewers"]), 2)  # the same two on every replay
    return {"order": order_id, "started": started.isoformat(), "woke": woke.isoformat(), "reviewers": reviewers}
