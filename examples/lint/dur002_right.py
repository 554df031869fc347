import boto3

from powertools_durable import DurableContext, StepContext, durable_execution, durable_step

s3 = boto3.client("s3")


@durable_step
def store(step: StepContext, order_id: str) -> dict:
    s3.put_object(Bucket="orders", Key=order_id, Body=b"{}")
    return {"stored": order_id}


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    return context.step(store(event["id"]))
