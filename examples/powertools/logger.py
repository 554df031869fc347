"""Logger: each line once per execution, with the durable keys on every record."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, StepContext, durable_handler, durable_step

logger = Logger(service="payments")


@durable_step
def charge(step: StepContext, amount: int) -> str:
    # step.logger is the same Logger; inside a step every record carries
    # operation_id, operation_name ("charge") and attempt
    step.logger.info("charging card", extra={"amount": amount})
    return "ch_123"


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict, context: DurableContext) -> dict:
    logger.info("payment requested")  # once, although this line runs again on every invocation
    charge_id = context.step(charge(event["amount"]))
    context.wait(Duration.from_hours(1), name="settlement")
    logger.info("payment settled", extra={"charge_id": charge_id})  # once, in the second invocation
    return {"charge_id": charge_id}
