"""The order workflow: reports what it sees, then prices the order through a chained invoke."""

import os

from powertools_durable import DurableContext, durable_handler

VARIABLES = (
    "LOG_LEVEL",
    "STAGE",
    "POWERTOOLS_SERVICE_NAME",
    "TABLE_NAME",
    "TABLE_ARN",
    "QUEUE_URL",
    "QUEUE_ARN",
    "QUEUE_NAME",
    "PRICING_FUNCTION",
    "DISCOUNT",
    "ALERTS",
    "REGION_INFO",
    "ENCODED",
    "FEATURE_FLAG",
    "NOT_DECLARED",
)


@durable_handler
def handler(event: dict, context: DurableContext) -> dict:
    seen = context.step(lambda _: {name: os.environ.get(name) for name in VARIABLES}, name="environment")
    print(f"order {event['order']} in stage {seen['STAGE']}")
    price = context.invoke(os.environ["PRICING_FUNCTION"], {"amount": event["amount"]}, name="price")
    return {
        "environment": seen,
        "price": price,
        "function": context.lambda_context.function_name,
        "memory": context.lambda_context.memory_limit_in_mb,
        "region": os.environ["AWS_REGION"],
    }
