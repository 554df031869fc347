import uuid

from powertools_durable import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    order_id = str(context.uuid4())  # the same id on every replay
    token = context.step(lambda _: str(uuid.uuid4()), name="token")  # recorded once
    return context.step(lambda _: f"reserved {order_id} {token}", name="reserve")
