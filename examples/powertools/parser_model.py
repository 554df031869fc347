"""Parser: ``model=`` validates the execution's input; bad input fails the execution with the problems."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import BaseModel, Field

from powertools_durable import DurableContext, durable_handler


class Transfer(BaseModel):
    account: str = Field(min_length=8)
    amount: int = Field(gt=0)


@durable_handler(model=Transfer)
def handler(event: Transfer, context: DurableContext) -> dict:
    # an input such as {"account": "x", "amount": -5} never gets here: the execution ends FAILED
    # with ErrorMessage "2 validation errors for Transfer\naccount ...\namount ..."
    return context.step(lambda _: {"account": event.account, "debited": event.amount}, name="debit")
