"""Serdes: how step results are written to the checkpoint (and read back on replay)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from powertools_durable import (
    DurableContext,
    JsonSerDes,
    SerDes,
    SerDesContext,
    StepConfig,
    durable_execution,
)


class UpperCaseSerDes(SerDes[str]):
    """A custom serdes: any ``serialize``/``deserialize`` pair of a value and a string."""

    def serialize(self, value: str, serdes_context: SerDesContext) -> str:
        return value.upper()

    def deserialize(self, data: str, serdes_context: SerDesContext) -> str:
        return data


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    # default (ExtendedTypeSerDes, the official SDK's wire format): datetimes, Decimals... come back typed
    invoiced = context.step(
        lambda _: {"at": datetime(2025, 1, 1, tzinfo=UTC), "total": Decimal("9.90")}, name="invoice"
    )
    # plain JSON on the wire, for other readers of the checkpoints
    plain = context.step(lambda _: {"n": 1}, name="plain", config=StepConfig(serdes=JsonSerDes()))
    shout = context.step(lambda _: "hello", name="shout", config=StepConfig(serdes=UpperCaseSerDes()))
    return {"year": invoiced["at"].year, "total": str(invoiced["total"]), "plain": plain, "shout": shout}
