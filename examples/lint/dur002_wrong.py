import boto3

from powertools_durable import DurableContext, durable_execution

s3 = boto3.client("s3")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    s3.put_object(Bucket="orders", Key=event["id"], Body=b"{}")  # written again on every replay
    return context.step(lambda _: {"stored": event["id"]}, name="confirm")
