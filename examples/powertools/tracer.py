"""Tracer: one ``## <step name>`` subsegment per step attempt that really runs."""

from __future__ import annotations

from aws_lambda_powertools import Tracer

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step

tracer = Tracer(service="shipping")


@durable_step
def book_courier(step: StepContext, parcel_id: str) -> dict:
    return {"parcel_id": parcel_id, "courier": "ACME"}  # traced as "## book_courier", result as metadata


@durable_step
def notify(step: StepContext, parcel_id: str) -> bool:
    return True  # traced as "## notify" in the second invocation only


@tracer.capture_lambda_handler
@durable_handler(tracer=tracer)
def handler(event: dict, context: DurableContext) -> dict:
    booking = context.step(book_courier(event["parcel_id"]))
    context.wait(Duration.from_minutes(10))
    context.step(notify(event["parcel_id"]))  # book_courier is replayed here: no new subsegment
    return booking
