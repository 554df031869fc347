"""Parser: the envelope models, ``DurableEnvelope`` with Powertools ``parse``, and ``model=`` validation."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from pydantic import BaseModel

from powertools_durable import DurableContext, Duration, durable_handler
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.powertools import parser as durable_parser
from powertools_durable.powertools.parser import (
    DurableEnvelope,
    DurableExecutionInvocationInputModel,
    DurableExecutionInvocationOutputModel,
    OperationModel,
)


class Order(BaseModel):
    order_id: str
    quantity: int


def started_envelope(payload: object) -> dict:
    service = InMemoryDurableService()
    service.start(payload)
    return service.envelope()


def test_envelope_yields_the_typed_execution_input():
    # GIVEN the event Lambda sends a durable function started with an order
    event = started_envelope({"order_id": "o-1", "quantity": "2"})

    # WHEN it is parsed with Powertools parse and the durable envelope
    order = parse(event=event, model=Order, envelope=DurableEnvelope)

    # THEN the execution's input comes out as the model
    assert order == Order(order_id="o-1", quantity=2)


def test_envelope_reads_the_same_input_on_a_later_invocation():
    # GIVEN an event of a later invocation, whose state holds steps after the EXECUTION operation
    service = InMemoryDurableService()
    service.start({"order_id": "o-9", "quantity": 1})
    handler = durable_handler(lambda e, c: c.wait(Duration.from_seconds(1)), service_client=service)
    handler(service.envelope(), None)
    service.advance()
    event = service.envelope()
    assert len(event["InitialExecutionState"]["Operations"]) == 2

    # WHEN it is parsed
    order = parse(event=event, model=Order, envelope=DurableEnvelope)

    # THEN it is still the execution's input
    assert order.order_id == "o-9"


def test_envelope_rejects_an_event_that_is_not_durable():
    # GIVEN an API Gateway-like event
    # WHEN it is parsed with the durable envelope
    # THEN validation fails on the envelope's fields
    with pytest.raises(ValidationError) as error:
        parse(event={"body": "{}"}, model=Order, envelope=DurableEnvelope)
    assert "DurableExecutionArn" in str(error.value)


def test_envelope_without_execution_operation_is_an_error():
    # GIVEN an envelope whose first page holds no EXECUTION operation
    event = {
        "DurableExecutionArn": "arn",
        "CheckpointToken": "t",
        "InitialExecutionState": {"Operations": [{"Id": "1", "Type": "STEP", "Status": "SUCCEEDED"}]},
    }
    # WHEN it is parsed THEN the missing operation is named
    with pytest.raises(ValueError, match="EXECUTION"):
        parse(event=event, model=Order, envelope=DurableEnvelope)


def test_models_round_trip_the_wire_shapes():
    # GIVEN the invocation event and an output envelope
    event = started_envelope({"n": 1})

    # WHEN they are validated with the exported models
    model = DurableExecutionInvocationInputModel.model_validate(event)
    output = DurableExecutionInvocationOutputModel.model_validate({"Status": "SUCCEEDED", "Result": "1"})

    # THEN they dump back to the same wire JSON
    assert model.model_dump(exclude_none=True) == event
    assert isinstance(model.InitialExecutionState.Operations[0], OperationModel)
    assert output.Status == "SUCCEEDED"


def test_every_model_is_exported_in_parser_style():
    # GIVEN the parser module's public names
    names = set(durable_parser.__all__)
    # THEN every wire model is there with its Model suffix, next to the envelope
    assert {"DurableEnvelope", "OperationUpdateModel", "ErrorObjectModel", "OperationModel"} <= names
    assert all(name.endswith("Model") for name in names - {"DurableEnvelope"})


def test_model_option_rejects_bad_input_with_a_failed_execution_listing_the_problems(service, lambda_context):
    # GIVEN a handler declaring model=Order
    @durable_handler(model=Order, service_client=service)
    def handler(event: Order, context: DurableContext) -> str:
        raise AssertionError("must not run")

    # WHEN the execution starts with an input missing order_id and a non-numeric quantity
    run = run_to_completion(handler, {"quantity": "many"}, service=service, lambda_context=lambda_context)

    # THEN it FAILED, with a validation error naming both fields
    assert run.status == "FAILED"
    assert run.error["ErrorType"].endswith("ValidationError")  # pydantic's, as Powertools parse raises it
    assert "order_id" in run.error["ErrorMessage"]
    assert "quantity" in run.error["ErrorMessage"]
    assert "2 validation errors" in run.error["ErrorMessage"]


def test_model_option_delivers_the_model_on_every_invocation(service, lambda_context):
    # GIVEN a two-invocation handler declaring model=Order
    seen = []

    @durable_handler(model=Order, service_client=service)
    def handler(event: Order, context: DurableContext) -> str:
        seen.append(event)
        context.wait(Duration.from_seconds(1))
        return event.order_id

    # WHEN it runs
    run = run_to_completion(handler, {"order_id": "o-2", "quantity": 1}, service=service, lambda_context=lambda_context)

    # THEN each invocation got the same validated model
    assert run.result == "o-2"
    assert seen == [Order(order_id="o-2", quantity=1)] * 2
    assert json.loads(service.operations[service.execution_id]["ExecutionDetails"]["InputPayload"])["order_id"] == "o-2"
