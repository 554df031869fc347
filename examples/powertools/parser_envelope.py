"""Parser: the execution's input from the raw durable event, with Powertools ``parse``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import BaseModel, parse

from powertools_durable.powertools.parser import DurableEnvelope, DurableExecutionInvocationInputModel


class Order(BaseModel):
    order_id: str
    quantity: int


def order_of(event: dict[str, Any]) -> Order:
    """The typed input of the execution this Lambda event belongs to (the same on every invocation)."""
    return parse(event=event, model=Order, envelope=DurableEnvelope)


def execution_arn_of(event: dict[str, Any]) -> str:
    """The whole envelope is a model too."""
    return DurableExecutionInvocationInputModel.model_validate(event).DurableExecutionArn
