"""Models and dataclasses come back only as a type the code declares: a payload never names code to run."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel

from powertools_durable import (
    CallbackConfig,
    DurableContext,
    ExtendedTypeSerDes,
    PydanticSerDes,
    StepConfig,
    StepContext,
    durable_execution,
    durable_step,
)


@dataclass
class Line:
    sku: str
    price: Decimal


@dataclass
class Order:
    id: str
    lines: list[Line]  # declaring Order declares Line too


class Approval(BaseModel):
    approved: bool
    by: str


outbox: list[str] = []  # stands in for whatever system answers the callback


# 1. The return annotation declares the type: the default serdes decodes the checkpoint into Order.
@durable_step
def load_order(step: StepContext, order_id: str) -> Order:
    return Order(order_id, [Line("sku-1", Decimal("9.90"))])


# 2. An allow-list, for values whose function declares nothing (a lambda here).
ORDERS = ExtendedTypeSerDes(allowed_types=[Order])


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    order = context.step(load_order(event["order_id"]))
    copy = context.step(lambda _: Order("copy", order.lines), name="copy", config=StepConfig(serdes=ORDERS))

    # 3. A serdes built for the type: the answer from outside is read as an Approval, whatever it says.
    callback = context.create_callback(name="approval", config=CallbackConfig(serdes=PydanticSerDes(Approval)))
    context.step(lambda _: outbox.append(callback.callback_id), name="ask")
    approval = callback.result()
    return {"total": str(sum(line.price for line in copy.lines)), "approved": approval.approved, "by": approval.by}
