"""``durable_handler``: the Powertools middleware, bare, with options, and composed with Powertools."""

from __future__ import annotations

import io
import json

import pytest
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from powertools_durable import DurableContext, Duration, durable_handler
from powertools_durable.local.memory import run_to_completion


class Order(BaseModel):
    order_id: str
    quantity: int


@pytest.fixture
def powertools_env(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "DurableTests")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "orders")


def test_bare_decorator_uses_the_default_client(monkeypatch, service, lambda_context):
    # GIVEN a bare @durable_handler and the default client replaced by the in-memory service
    monkeypatch.setattr("powertools_durable.handler.default_client", lambda: service)

    @durable_handler
    def handler(event, context: DurableContext):
        return context.step(lambda _: event["n"] * 2, name="double")

    # WHEN it runs
    run = run_to_completion(handler, {"n": 21}, service=service, lambda_context=lambda_context)

    # THEN it ran durably against that service
    assert run.outputs == [{"Status": "SUCCEEDED", "Result": "42"}]
    assert [u["Action"] for u in service.updates_of(1)] == ["START", "SUCCEED"]


def test_bare_decorator_with_service_client_option(service, lambda_context):
    # GIVEN @durable_handler(service_client=...) around a step-wait-step workflow
    @durable_handler(service_client=service)
    def handler(event, context: DurableContext):
        first = context.step(lambda _: "a", name="a")
        context.wait(Duration.from_seconds(1))
        return first + context.step(lambda _: "b", name="b")

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN it pends once and succeeds, receiving the Lambda context on the DurableContext
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": '"ab"'}]


def test_model_option_delivers_the_validated_model(service, lambda_context):
    # GIVEN a handler declaring model=Order
    received = []

    @durable_handler(model=Order, service_client=service)
    def handler(event: Order, context: DurableContext):
        received.append(event)
        assert context.lambda_context is lambda_context
        return {"id": event.order_id, "q": event.quantity}

    # WHEN it runs with a valid input (quantity as a numeric string, coerced by pydantic)
    run = run_to_completion(
        handler, {"order_id": "o-1", "quantity": "3"}, service=service, lambda_context=lambda_context
    )

    # THEN the handler got an Order instance
    assert received == [Order(order_id="o-1", quantity=3)]
    assert isinstance(received[0], Order)
    assert run.outputs == [{"Status": "SUCCEEDED", "Result": '{"id": "o-1", "q": 3}'}]


def test_model_option_with_invalid_input_fails_the_execution(service, lambda_context):
    # GIVEN a handler declaring model=Order, whose body must not run
    ran = []

    @durable_handler(model=Order, service_client=service)
    def handler(event: Order, context: DurableContext):
        ran.append(event)
        return "ran"

    # WHEN it is started with an input missing order_id and a non-numeric quantity
    run = run_to_completion(handler, {"quantity": "many"}, service=service, lambda_context=lambda_context)

    # THEN the execution FAILED and its error lists both validation problems
    assert ran == []
    assert run.status == "FAILED"
    message = run.error["ErrorMessage"]
    assert "order_id" in message
    assert "quantity" in message
    assert service.calls == []


@pytest.mark.parametrize("durable_outermost", [False, True], ids=["powertools-outside", "durable-outside"])
def test_composes_with_logger_tracer_and_metrics(powertools_env, capsys, service, lambda_context, durable_outermost):
    # GIVEN a handler decorated with Logger, Tracer and Metrics, in either order around durable_handler
    log_stream = io.StringIO()
    logger = Logger(service=f"orders-{durable_outermost}", stream=log_stream)
    tracer = Tracer()
    metrics = Metrics()

    def body(event, context: DurableContext):
        logger.info("working", extra={"marker": "body-log"})
        metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=1)
        value = context.step(lambda _: event["n"] + 1, name="inc")
        context.wait(Duration.from_seconds(1))
        return value

    if durable_outermost:
        handler = durable_handler(
            logger.inject_lambda_context(tracer.capture_lambda_handler(metrics.log_metrics(body))),
            service_client=service,
        )
    else:
        handler = logger.inject_lambda_context(
            tracer.capture_lambda_handler(metrics.log_metrics(durable_handler(body, service_client=service)))
        )

    # WHEN it runs to its end
    run = run_to_completion(handler, {"n": 1}, service=service, lambda_context=lambda_context)

    # THEN the durable outcome is intact
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": "2"}]
    # AND the Logger injected the Lambda context into the handler's records
    logs = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    logs = [line for line in logs if line.get("marker") == "body-log"]
    assert logs
    assert all(line["function_request_id"] == lambda_context.aws_request_id for line in logs)
    assert all(line["function_name"] == lambda_context.function_name for line in logs)
    # AND Metrics flushed the metric in EMF
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    emf = [line for line in printed if "_aws" in line]
    assert len(emf) == 2  # one flush per invocation
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "DurableTests"
    assert emf[0]["Orders"] in (1.0, [1.0])
