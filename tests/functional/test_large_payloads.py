"""Outcomes too large for Lambda's 6 MB response are checkpointed on the EXECUTION operation."""

from __future__ import annotations

import json

from powertools_durable import DurableContext
from powertools_durable.local.memory import run_to_completion
from powertools_durable.service.wire import LAMBDA_RESPONSE_SIZE_LIMIT
from tests.functional.conftest import bind

HUGE = "x" * (6 * 1024 * 1024)


def test_huge_result_is_checkpointed_and_read_back(service):
    # GIVEN a handler returning a result over 6 MB
    @bind(service)
    def handler(event, context: DurableContext):
        return {"blob": HUGE}

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the response carries an empty Result and the result went to the EXECUTION operation
    assert run.outputs == [{"Status": "SUCCEEDED", "Result": ""}]
    assert service.updates_of(1) == [
        {"Id": service.execution_id, "Type": "EXECUTION", "Action": "SUCCEED", "Payload": json.dumps({"blob": HUGE})}
    ]
    assert service.operations[service.execution_id]["Status"] == "SUCCEEDED"
    # AND run_to_completion read it back from the checkpoint
    assert run.result == {"blob": HUGE}


def test_result_just_under_the_limit_is_returned_inline(service):
    # GIVEN a result whose JSON is exactly the limit
    value = "y" * (LAMBDA_RESPONSE_SIZE_LIMIT - 2)

    @bind(service)
    def handler(event, context: DurableContext):
        return value

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN it is in the response and nothing was checkpointed
    assert run.outputs == [{"Status": "SUCCEEDED", "Result": json.dumps(value)}]
    assert service.calls == []


def test_huge_error_is_checkpointed_on_the_execution(service):
    # GIVEN a handler failing with an error message over 6 MB
    @bind(service)
    def handler(event, context: DurableContext):
        raise ValueError(HUGE)

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the response is a bare FAILED and the error went to the EXECUTION operation with a FAIL update
    assert run.outputs == [{"Status": "FAILED"}]
    (update,) = service.updates_of(1)
    assert (update["Id"], update["Type"], update["Action"]) == (service.execution_id, "EXECUTION", "FAIL")
    assert update["Error"]["ErrorType"] == "ValueError"
    assert update["Error"]["ErrorMessage"] == HUGE
    stored = service.operations[service.execution_id]
    assert stored["Status"] == "FAILED"
    assert stored["ExecutionDetails"]["Error"]["ErrorMessage"] == HUGE
