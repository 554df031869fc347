"""Declared types through whole handlers: annotations, typed serdes, and hostile answers refused.

Steps and child contexts annotated with a model or dataclass replay it as that type; callback answers
and invoke results naming an undeclared class fail the execution with a ``SerDesError`` and run nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from powertools_durable import (
    CallbackConfig,
    DataclassSerDes,
    DurableContext,
    Duration,
    ExtendedTypeSerDes,
    InvokeConfig,
    PydanticSerDes,
    StepContext,
    WaitForCallbackConfig,
    durable_step,
    durable_with_child_context,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, op_id
from tests.functional.test_callbacks import answer
from tests.functional.test_invoke import target


@dataclass
class Line:
    sku: str
    price: Decimal


@dataclass
class Order:
    id: str
    lines: list[Line]


class Receipt(BaseModel):
    order_id: str
    total: Decimal


@durable_step
def place(step: StepContext, order_id: str) -> Order:
    return Order(order_id, [Line("a", Decimal("1.50"))])


def make_receipt(step: StepContext) -> Receipt:
    return Receipt(order_id="o-1", total=Decimal("1.50"))


@durable_with_child_context
def checkout(child: DurableContext, order_id: str) -> list[Order]:
    return [child.step(place(order_id))]


def _popen(marker: Path) -> str:
    args = {"t": "l", "v": [{"t": "s", "v": "touch"}, {"t": "s", "v": str(marker)}]}
    return json.dumps({"t": "dc", "v": {"c": "subprocess:Popen", "d": {"args": args}}})


def test_annotated_steps_and_children_replay_as_their_declared_types(service: InMemoryDurableService):
    # GIVEN steps and a child annotated with a dataclass, a model and a list of dataclasses, then a wait
    seen: list[Any] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        order = context.step(place("o-1"))
        receipt = context.step(make_receipt)
        orders = context.run_in_child_context(checkout("o-2"))
        seen.append((order, receipt, orders))
        context.wait(Duration.from_seconds(1))
        return order.id

    # WHEN it runs over two invocations (the second replays every result from its checkpoint)
    run = run_to_completion(handler, {}, service=service)

    # THEN both invocations saw the declared types, and the checkpoints kept the unchanged wire format
    assert run.status == "SUCCEEDED"
    expected = (
        Order("o-1", [Line("a", Decimal("1.50"))]),
        Receipt(order_id="o-1", total=Decimal("1.50")),
        [Order("o-2", [Line("a", Decimal("1.50"))])],
    )
    assert seen == [expected, expected]
    assert type(seen[1][0].lines[0]) is Line
    payload = json.loads(service.operations[op_id(1)]["StepDetails"]["Result"])
    assert payload["t"] == "dc"
    assert payload["v"]["c"] == f"{__name__}:Order"


def test_an_undeclared_dataclass_result_fails_the_step_at_once(service: InMemoryDurableService):
    # GIVEN a lambda step returning a dataclass, with nothing declaring its type
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.step(lambda _: Order("o", []), name="undeclared")

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN it fails on the first run (not on some later replay) with the way to declare the type
    assert run.status == "FAILED"
    assert run.error is not None
    assert f"'{__name__}:Order'" in run.error["ErrorMessage"]
    assert "-> Order" in run.error["ErrorMessage"]


def test_typed_callback_serdes_reads_a_plain_json_answer(service: InMemoryDurableService):
    # GIVEN a callback read with DataclassSerDes(Order)
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        callback = context.create_callback(name="order", config=CallbackConfig(serdes=DataclassSerDes(Order)))
        order = callback.result()
        assert isinstance(order, Order)
        return {"lines": len(order.lines), "price": str(order.lines[0].price)}

    # WHEN the external system answers with plain JSON
    plain = '{"id": "o-7", "lines": [{"sku": "b", "price": "2.25"}]}'
    run = run_to_completion(handler, {}, service=service, external=answer("order", result=plain))

    # THEN the answer was typed by the declared class
    assert run.result == {"lines": 1, "price": "2.25"}


def test_hostile_callback_answer_fails_the_execution_and_runs_nothing(service: InMemoryDurableService, tmp_path):
    # GIVEN a callback read with the default-format serdes
    marker = tmp_path / "pwned"

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.create_callback(name="cb", config=CallbackConfig(serdes=ExtendedTypeSerDes())).result()

    # WHEN whoever holds the callback id answers with an envelope naming subprocess.Popen
    run = run_to_completion(handler, {}, service=service, external=answer("cb", result=_popen(marker)))

    # THEN the execution fails with a SerDesError naming the type, and no command ran
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"].endswith("SerDesError")
    assert "'subprocess:Popen'" in run.error["ErrorMessage"]
    assert not marker.exists()


def test_hostile_invoke_result_fails_the_execution_and_runs_nothing(service: InMemoryDurableService, tmp_path):
    # GIVEN an invoke whose result is read with ExtendedTypeSerDes, and one with PydanticSerDes
    marker = tmp_path / "pwned"

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.invoke("target", {}, config=InvokeConfig(serdes_result=ExtendedTypeSerDes()))

    # WHEN the invoked function returns an envelope naming subprocess.Popen
    run = run_to_completion(handler, {}, service=service, external=target(result=_popen(marker)))

    # THEN the execution fails with a SerDesError naming the type, and no command ran
    assert run.status == "FAILED"
    assert run.error is not None
    assert "'subprocess:Popen'" in run.error["ErrorMessage"]
    assert not marker.exists()


def test_typed_invoke_result(service: InMemoryDurableService):
    # GIVEN an invoke whose result is read with PydanticSerDes(Receipt)
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        receipt = context.invoke("target", {}, config=InvokeConfig(serdes_result=PydanticSerDes(Receipt)))
        return type(receipt).__name__

    # WHEN the target returns the receipt as plain JSON / THEN it arrives as a Receipt
    result = '{"order_id": "o-1", "total": "3.00"}'
    assert run_to_completion(handler, {}, service=service, external=target(result=result)).result == "Receipt"


def _answer_first_callback(result: str):
    """The external system answering the (only) callback once it has started."""

    def external(service: InMemoryDurableService) -> bool:
        started = [o for o in service.operations.values() if o["Type"] == "CALLBACK" and o["Status"] == "STARTED"]
        if not started:
            return False
        service.answer_callback(started[0]["CallbackDetails"]["CallbackId"], result=result)
        return True

    return external


def test_wait_for_callback_with_a_typed_serdes(service: InMemoryDurableService):
    # GIVEN wait_for_callback reading the answer with PydanticSerDes(Receipt), its submitter returning None
    seen: list[Any] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> str:
        config = WaitForCallbackConfig(serdes=PydanticSerDes(Receipt))
        receipt = context.wait_for_callback(lambda callback_id, ctx: None, name="pay", config=config)
        seen.append(receipt)
        context.wait(Duration.from_seconds(1))
        return str(receipt.total)

    # WHEN the answer arrives as plain JSON, and the execution replays after a wait
    answer_json = '{"order_id": "o-1", "total": "4.20"}'
    run = run_to_completion(handler, {}, service=service, external=_answer_first_callback(answer_json))

    # THEN the submitter's None and the Receipt went through the checkpoints, typed on both invocations
    assert run.result == "4.20", run.error
    assert seen == [Receipt(order_id="o-1", total=Decimal("4.20"))] * 2


def test_wait_for_callback_refuses_a_hostile_answer(service: InMemoryDurableService, tmp_path):
    # GIVEN wait_for_callback reading the answer with ExtendedTypeSerDes
    marker = tmp_path / "pwned"

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        config = WaitForCallbackConfig(serdes=ExtendedTypeSerDes())
        return context.wait_for_callback(lambda callback_id, ctx: None, name="w", config=config)

    # WHEN the answer names subprocess.Popen
    run = run_to_completion(handler, {}, service=service, external=_answer_first_callback(_popen(marker)))

    # THEN the execution fails (the SerDesError escapes wait_for_callback's child context, which reports
    # itself as the official SDK's does) with a message naming the type, and nothing ran
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"] == "powertools_durable.exceptions.ChildContextError"
    assert "'subprocess:Popen'" in run.error["ErrorMessage"]
    assert not marker.exists()
