import uuid

from powertools_durable import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    order_id = str(uuid.uuid4())  # another id on every replay
    return context.step(lambda _: f"reserved {order_id}", name="reserve")
