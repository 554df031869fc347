"""Where our semantics once differed from AWS's official SDK: the same handler runs on both, results compared.

Each handler is written once against an SDK module (``sdk``) and run by both SDKs over the same
in-memory service (the official one through a boto3-shaped adapter), so every expectation comes
from what the official SDK really does, not from our reading of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import powertools_durable as ours
from powertools_durable.local.memory import InMemoryDurableService, RunResult, run_to_completion
from tests.functional.official import Boto3Shaped

official = pytest.importorskip("aws_durable_execution_sdk_python", reason="the bench extra installs the official SDK")

SDKS = {"official": official, "ours": ours}


def module(sdk: Any, name: str) -> Any:
    """``sdk.<name>`` (``config``, ``serdes`` …), the same-named submodule in both packages."""
    return __import__(f"{sdk.__name__}.{name}", fromlist=[name])


def run(sdk_name: str, body: Any, event: Any = None, external: Any = None) -> RunResult:
    """Run ``body(sdk, event, context)`` to its end on ``sdk_name`` over a fresh in-memory service."""
    sdk = SDKS[sdk_name]
    service = InMemoryDurableService()
    client = Boto3Shaped(service) if sdk is official else service

    @sdk.durable_execution(boto3_client=client)
    def handler(event: Any, context: Any) -> Any:
        return body(sdk, event, context)

    return run_to_completion(handler, event or {}, service=service, external=external)


def shape(service: InMemoryDurableService) -> list[tuple[Any, ...]]:
    """The operations as both SDKs must leave them: type, subtype, name, status, result."""
    rows = []
    for op in service.operations.values():
        if op["Type"] == "EXECUTION":
            continue
        details = op.get("StepDetails") or op.get("ContextDetails") or op.get("CallbackDetails") or {}
        rows.append((op["Type"], op.get("SubType"), op.get("Name"), op["Status"], details.get("Result")))
    return rows


class Records(logging.Handler):
    """Collects the records of one logger."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[tuple[logging.Logger, Records]]:
    logger = logging.getLogger(f"test_official_semantics.{id(object())}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = Records()
    logger.addHandler(handler)
    yield logger, handler
    logger.removeHandler(handler)


# -- 1. the Logger API -----------------------------------------------------------------------------
OFFICIAL_TO_OURS = {
    "executionArn": "durable_execution_arn",
    "parentId": "parent_id",
    "operationId": "operation_id",
    "operationName": "operation_name",
    "attempt": "attempt",
}


def logging_workflow(user_logger: logging.Logger) -> Any:
    def body(sdk: Any, event: Any, context: Any) -> str:
        context.set_logger(user_logger)
        context.logger.info("start %s", "now", extra={"order": "o-1"})

        def work(step: Any) -> str:
            step.logger.warning("in step")
            return "done"

        def inner(child: Any) -> str:
            child.logger.debug("in child")
            return child.step(work, name="inner-step")

        result = context.step(work, name="outer-step")
        context.wait(module(sdk, "config").Duration.from_seconds(1), name="pause")
        context.run_in_child_context(inner, name="child")
        context.logger.error("end", extra={"result": result})
        replaying = context.logger.with_is_replaying(lambda: True)
        replaying.info("never written: a logger bound to a replaying source stays silent")
        return result

    return body


def logged(handler: Records, key_map: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(level, message, durable keys renamed to ours) of each record."""
    rows = []
    for record in handler.records:
        keys = {key_map[k]: v for k, v in vars(record).items() if k in key_map}
        keys.pop("durable_execution_arn", None)  # same ARN on both; checked separately
        if "order" in vars(record):
            keys["order"] = record.order
        if "result" in vars(record):
            keys["result"] = record.result
        rows.append((record.levelname, record.getMessage(), keys))
    return rows


def test_logger_api_writes_each_line_once_with_the_official_keys(records):
    # GIVEN a handler using set_logger, context.logger with extra=, step.logger, a child's logger and with_is_replaying
    user_logger, handler = records

    # WHEN it runs on the official SDK, then on ours (two invocations: the wait replays the first part)
    official_run = run("official", logging_workflow(user_logger))
    official_rows = logged(handler, OFFICIAL_TO_OURS)
    official_arns = {vars(r).get("executionArn") for r in handler.records}
    handler.records.clear()
    ours_run = run("ours", logging_workflow(user_logger))
    ours_rows = logged(handler, {v: v for v in OFFICIAL_TO_OURS.values()})
    ours_arns = {vars(r).get("durable_execution_arn") for r in handler.records}

    # THEN both succeed and write the same lines once each, with the same keys (ours snake_case)
    assert official_run.status == ours_run.status == "SUCCEEDED"
    assert ours_rows == official_rows
    assert [message for _, message, _ in ours_rows] == ["start now", "in step", "in child", "in step", "end"]
    assert official_arns == ours_arns == {InMemoryDurableService.durable_execution_arn}


# -- 2. wait_for_callback's serdes -----------------------------------------------------------------
class TextAnswerSerDes:
    """A serdes written for the callback's answer (text as it is): ``None`` serializes to no payload."""

    def serialize(self, value: Any, serdes_context: Any) -> Any:
        return value

    def deserialize(self, data: str, serdes_context: Any) -> Any:
        return f"answer:{data}"


def callback_workflow(sdk: Any, event: Any, context: Any) -> Any:
    serdes_module = module(sdk, "serdes")
    serdes = type("Text", (TextAnswerSerDes, serdes_module.SerDes), {})()
    config = module(sdk, "config").WaitForCallbackConfig(serdes=serdes)
    return context.wait_for_callback(lambda callback_id, _: None, name="approval", config=config)


def answer_once(service: InMemoryDurableService) -> bool:
    for op in service.operations.values():
        if op["Type"] == "CALLBACK" and op["Status"] == "STARTED":
            service.answer_callback(op["CallbackDetails"]["CallbackId"], result="yes")
            return True
    return False


def test_wait_for_callback_serdes_reads_the_answer_and_tolerates_the_submitters_none():
    # GIVEN a wait_for_callback whose serdes is written for the callback's text answer
    # WHEN the same handler runs on both SDKs and the callback is answered "yes"
    official_run = run("official", callback_workflow, external=answer_once)
    ours_run = run("ours", callback_workflow, external=answer_once)

    # THEN both decode the answer with it, and the submitter's None result is recorded without a payload
    assert official_run.status == "SUCCEEDED", official_run.error
    assert ours_run.status == "SUCCEEDED", ours_run.error
    assert ours_run.result == official_run.result == "answer:yes"
    assert shape(ours_run.service) == shape(official_run.service)


# -- 3. the ErrorType of an execution failed by an escaped operation error --------------------------
def failing_workflow(sdk: Any, event: Any, context: Any) -> Any:
    retries = module(sdk, "retries")
    config = module(sdk, "config").StepConfig(retry_strategy=retries.RetryPresets.none())

    def fail(_: Any) -> None:
        raise ValueError("no stock")

    if event.get("catch_child"):
        return context.run_in_child_context(lambda child: child.step(fail, name="reserve", config=config), name="c")
    return context.step(fail, name="reserve", config=config)


@pytest.mark.parametrize(
    ("event", "error_class"), [({}, "StepError"), ({"catch_child": True}, "ChildContextError")], ids=["step", "child"]
)
def test_execution_failed_by_an_operation_error_reports_its_type(event, error_class):
    # GIVEN a handler whose step (or child context) fails for good and lets the operation error escape
    # WHEN it runs on both SDKs
    official_run = run("official", failing_workflow, event)
    ours_run = run("ours", failing_workflow, event)

    # THEN both fail with the operation error's own type (each SDK's module), and the same message
    assert official_run.status == ours_run.status == "FAILED"
    assert official_run.error["ErrorType"] == f"aws_durable_execution_sdk_python.exceptions.{error_class}"
    assert ours_run.error["ErrorType"] == f"powertools_durable.exceptions.{error_class}"
    assert ours_run.error["ErrorMessage"] == official_run.error["ErrorMessage"]
    assert shape(ours_run.service) == shape(official_run.service)


def test_child_fail_checkpoint_records_the_escaped_operation_errors_type():
    # GIVEN a child context whose step fails for good
    # WHEN it runs on both SDKs
    recorded = {}
    for sdk in ("official", "ours"):
        service = run(sdk, failing_workflow, {"catch_child": True}).service
        child = next(op for op in service.operations.values() if op["Type"] == "CONTEXT")
        recorded[sdk] = child["ContextDetails"]["Error"]["ErrorType"].rsplit(".", 1)[-1]

    # THEN both record the StepError that escaped the child
    assert recorded == {"official": "StepError", "ours": "StepError"}
