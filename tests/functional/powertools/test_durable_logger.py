"""Logger: each line once per execution, durable keys on every record, in either decorator order."""

from __future__ import annotations

import io
import json
import logging
import uuid
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, StepConfig, StepContext, durable_handler, durable_step
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.retries import RetryDecision


def new_logger(**options: Any) -> tuple[Logger, io.StringIO]:
    """A Powertools Logger of its own service (loggers are process-global by name) writing JSON to a buffer."""
    stream = io.StringIO()
    return Logger(service=f"svc-{uuid.uuid4().hex[:8]}", stream=stream, **options), stream


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def messages(stream: io.StringIO) -> list[str]:
    return [line["message"] for line in lines(stream)]


def three_invocation_workflow(logger: Logger):
    """step, wait, step, wait, step: three invocations, every line logged from workflow code or a step."""

    @durable_step
    def work(step: StepContext, label: str) -> str:
        step.logger.info(f"running {label}")
        return label

    def body(event: dict, context: DurableContext) -> str:
        logger.info("started")
        first = context.step(work("a"))
        logger.info(f"after {first}")
        context.wait(Duration.from_seconds(5))
        second = context.step(work("b"))
        logger.info(f"after {second}")
        context.wait(Duration.from_seconds(5))
        third = context.step(work("c"))
        logger.info("finished")
        return first + second + third

    return body


EXPECTED = ["started", "running a", "after a", "running b", "after b", "running c", "finished"]


@pytest.mark.parametrize("durable_outermost", [False, True], ids=["inject-outside", "durable-outside"])
def test_each_line_once_across_three_invocations(service, lambda_context, durable_outermost):
    # GIVEN a three-invocation workflow logging with a Powertools Logger, in either order with inject_lambda_context
    logger, stream = new_logger()
    body = three_invocation_workflow(logger)
    if durable_outermost:
        handler = durable_handler(logger.inject_lambda_context(body), logger=logger, service_client=service)
    else:
        handler = logger.inject_lambda_context(durable_handler(body, logger=logger, service_client=service))

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN it took three invocations and each line was written exactly once, in order
    assert [o["Status"] for o in run.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    assert messages(stream) == EXPECTED
    # AND every record carries the execution ARN and the Lambda context keys
    for line in lines(stream):
        assert line["durable_execution_arn"] == service.durable_execution_arn
        assert line["function_request_id"] == lambda_context.aws_request_id


def test_step_records_carry_operation_keys_and_others_do_not(service, lambda_context):
    # GIVEN the three-invocation workflow with a logger
    logger, stream = new_logger()
    handler = durable_handler(three_invocation_workflow(logger), logger=logger, service_client=service)

    # WHEN it runs to its end
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN records made inside a step attempt carry its id, name and attempt
    by_message = {line["message"]: line for line in lines(stream)}
    step_ids = [by_message[f"running {label}"]["operation_id"] for label in "abc"]
    assert len(set(step_ids)) == 3
    for label in "abc":
        line = by_message[f"running {label}"]
        assert line["operation_name"] == "work"
        assert line["attempt"] == 1
    # AND records of workflow code outside steps carry none of them (removed after the attempt)
    for message in ("started", "after a", "after b", "finished"):
        assert not {"operation_id", "operation_name", "attempt"} & by_message[message].keys()


def test_retried_step_logs_each_attempt_with_its_number(service, lambda_context):
    # GIVEN a step that fails on its first attempt and is retried after 1 second
    logger, stream = new_logger()
    calls = []

    def flaky(step: StepContext) -> str:
        calls.append(step.attempt)
        step.logger.info("trying")
        if step.attempt == 1:
            raise RuntimeError("transient")
        return "ok"

    config = StepConfig(retry_strategy=lambda exc, attempt: RetryDecision.retry(Duration.from_seconds(1)))

    @durable_handler(logger=logger, service_client=service)
    def handler(event: dict, context: DurableContext) -> str:
        logger.info("begin")
        return context.step(flaky, name="flaky", config=config)

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN both attempts logged once each, numbered, and "begin" once
    assert run.result == "ok"
    assert calls == [1, 2]
    assert [(line["message"], line.get("attempt")) for line in lines(stream)] == [
        ("begin", None),
        ("trying", 1),
        ("trying", 2),
    ]


def test_child_logger_records_are_dropped_while_replaying(service, lambda_context):
    # GIVEN a parent Logger given to durable_handler and a child Logger of the same service used in a step
    logger, stream = new_logger()
    child = Logger(service=logger.service, child=True)

    def body(event: dict, context: DurableContext) -> str:
        child.info("child in workflow")
        context.wait(Duration.from_seconds(1))
        context.step(lambda step: child.info("child in step"), name="s")
        child.info("child done")
        return "done"

    handler = durable_handler(body, logger=logger, service_client=service)

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN the child's records went through the parent's handler once each, with the durable keys
    assert len(run.outputs) == 2
    assert messages(stream) == ["child in workflow", "child in step", "child done"]
    assert all(line["durable_execution_arn"] == service.durable_execution_arn for line in lines(stream))
    assert lines(stream)[1]["operation_name"] == "s"


def test_child_logger_given_to_durable_handler_filters_the_parent_handler(service, lambda_context):
    # GIVEN a child Logger given to durable_handler while the workflow logs with its parent
    logger, stream = new_logger()
    child = Logger(service=logger.service, child=True)

    def body(event: dict, context: DurableContext) -> str:
        logger.info("parent line")
        context.wait(Duration.from_seconds(1))
        child.info("child line")
        return "done"

    handler = durable_handler(body, logger=child, service_client=service)

    # WHEN it runs over two invocations
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN both loggers' lines are written once
    assert messages(stream) == ["parent line", "child line"]


def test_log_replay_env_var_keeps_replayed_records(monkeypatch, service, lambda_context):
    # GIVEN POWERTOOLS_DURABLE_LOG_REPLAY=true
    monkeypatch.setenv("POWERTOOLS_DURABLE_LOG_REPLAY", "true")
    logger, stream = new_logger()

    def body(event: dict, context: DurableContext) -> str:
        logger.info("top")
        context.wait(Duration.from_seconds(1))
        return "done"

    handler = durable_handler(body, logger=logger, service_client=service)

    # WHEN it runs over two invocations
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN the replayed line is written again
    assert messages(stream) == ["top", "top"]


def test_explicit_log_replay_argument_beats_the_env_var(monkeypatch, service, lambda_context):
    # GIVEN POWERTOOLS_DURABLE_LOG_REPLAY=true but log_replay=False on the decorator
    monkeypatch.setenv("POWERTOOLS_DURABLE_LOG_REPLAY", "true")
    logger, stream = new_logger()

    def body(event: dict, context: DurableContext) -> str:
        logger.info("top")
        context.wait(Duration.from_seconds(1))
        return "done"

    handler = durable_handler(body, logger=logger, log_replay=False, service_client=service)

    # WHEN it runs over two invocations
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN the argument won
    assert messages(stream) == ["top"]


def test_context_logger_and_step_logger_write_through_the_given_logger(service, lambda_context):
    # GIVEN a handler recording which logger its context and its step see
    logger, _ = new_logger()
    seen: list[Any] = []

    @durable_handler(logger=logger, service_client=service)
    def handler(event: dict, context: DurableContext) -> None:
        seen.append(context.logger)
        context.step(lambda step: seen.append(step.logger), name="s")

    # WHEN it runs
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN both are the official SDK's replay-aware Logger API over the Powertools Logger
    assert [type(found).__name__ for found in seen] == ["Logger", "Logger"]
    assert [found.get_logger() for found in seen] == [logger, logger]


def test_records_outside_a_durable_invocation_are_untouched(service: InMemoryDurableService, lambda_context):
    # GIVEN a logger whose handler has carried the durable filter through an execution
    logger, stream = new_logger()
    handler = durable_handler(lambda event, context: logger.info("inside"), logger=logger, service_client=service)
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # WHEN it logs outside any durable handler
    logger.info("outside")

    # THEN the record is written, without durable keys
    outside = lines(stream)[-1]
    assert outside["message"] == "outside"
    assert "durable_execution_arn" not in outside


def test_plain_logging_logger_is_filtered_too(service, lambda_context):
    # GIVEN a standard library logger with its own handler
    stream = io.StringIO()
    std = logging.getLogger(f"plain-{uuid.uuid4().hex[:8]}")
    std.propagate = False
    std.setLevel(logging.INFO)
    handler_out = logging.StreamHandler(stream)
    handler_out.setFormatter(logging.Formatter("%(message)s %(durable_execution_arn)s"))
    std.addHandler(handler_out)

    def body(event: dict, context: DurableContext) -> str:
        std.info("once")
        context.wait(Duration.from_seconds(1))
        return "done"

    handler = durable_handler(body, logger=std, service_client=service)

    # WHEN it runs over two invocations
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN the line was written once, with the execution ARN
    assert stream.getvalue().splitlines() == [f"once {service.durable_execution_arn}"]


def test_inject_lambda_context_clear_state_inside_durable_handler_keeps_the_keys(service, lambda_context):
    # GIVEN durable_handler outermost and inject_lambda_context(clear_state=True) inside it
    logger, stream = new_logger()
    body = logger.inject_lambda_context(three_invocation_workflow(logger), clear_state=True, log_event=True)
    handler = durable_handler(body, logger=logger, service_client=service)

    # WHEN it runs to its end
    run_to_completion(handler, {"order": 1}, service=service, lambda_context=lambda_context)

    # THEN the logged event and each line appear once, all with the execution ARN (the keys live on the records)
    logs = lines(stream)
    assert [line["message"] for line in logs] == [{"order": 1}, *EXPECTED]
    assert all(line["durable_execution_arn"] == service.durable_execution_arn for line in logs)


def test_official_logger_api_over_powertools_keeps_its_keys_and_location(service, lambda_context):
    # GIVEN a handler logging through context.logger with extra= and step.logger with Powertools-style keys
    logger, stream = new_logger()

    @durable_handler(logger=logger, service_client=service)
    def handler(event: dict, context: DurableContext) -> int:
        context.logger.info("top", extra={"order_id": "o-1"})
        context.wait(Duration.from_seconds(1))
        return context.step(lambda step: step.logger.warning("in step", sku="book") or 1, name="reserve")

    # WHEN it runs over two invocations
    run_to_completion(handler, {}, service=service, lambda_context=lambda_context)

    # THEN each line is written once, with its keys, and its location is the caller's line, not the wrapper's
    top, in_step = lines(stream)
    assert (top["message"], top["order_id"], in_step["message"], in_step["sku"]) == ("top", "o-1", "in step", "book")
    assert (in_step["operation_name"], in_step["attempt"]) == ("reserve", 1)
    assert top["location"].startswith("handler:")
    assert in_step["location"].startswith("<lambda>:")
