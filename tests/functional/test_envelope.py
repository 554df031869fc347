"""Malformed invocation envelopes: InvalidEnvelopeError naming the field, and nothing checkpointed."""

from __future__ import annotations

import pytest

from powertools_durable import DurableContext, InvalidEnvelopeError
from tests.functional.conftest import bind

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/1"
EXECUTION_OP = {"Id": "exec", "Type": "EXECUTION", "Status": "STARTED", "ExecutionDetails": {"InputPayload": "{}"}}


def _event(**overrides):
    event = {
        "DurableExecutionArn": ARN,
        "CheckpointToken": "tok",
        "InitialExecutionState": {"Operations": [dict(EXECUTION_OP)]},
    }
    for key, value in overrides.items():
        if value is _DROP:
            event.pop(key)
        else:
            event[key] = value
    return event


_DROP = object()
_STEP = {"Id": "s1", "Type": "STEP", "Status": "SUCCEEDED"}


@pytest.mark.parametrize(
    ("event", "field", "problem"),
    [
        pytest.param(["not", "a", "dict"], "event", "must be a JSON object, got list", id="non-dict-event"),
        pytest.param("hello", "event", "got str", id="string-event"),
        pytest.param(_event(DurableExecutionArn=_DROP), "DurableExecutionArn", "is missing", id="missing-arn"),
        pytest.param(_event(DurableExecutionArn=42), "DurableExecutionArn", "got int", id="arn-not-str"),
        pytest.param(_event(DurableExecutionArn=""), "DurableExecutionArn", "non-empty string", id="arn-empty"),
        pytest.param(_event(CheckpointToken=_DROP), "CheckpointToken", "is missing", id="missing-token"),
        pytest.param(_event(CheckpointToken=["t"]), "CheckpointToken", "got list", id="token-not-str"),
        pytest.param(_event(InitialExecutionState=_DROP), "InitialExecutionState", "is missing", id="missing-state"),
        pytest.param(_event(InitialExecutionState="x"), "InitialExecutionState", "got str", id="state-not-dict"),
        pytest.param(
            _event(InitialExecutionState={}), "InitialExecutionState.Operations", "not a list", id="no-operations"
        ),
        pytest.param(
            _event(InitialExecutionState={"Operations": {"Id": "x"}}),
            "InitialExecutionState.Operations",
            "not a list",
            id="operations-not-list",
        ),
        pytest.param(
            _event(InitialExecutionState={"Operations": [_STEP]}),
            "InitialExecutionState.Operations",
            "holds no EXECUTION operation",
            id="no-execution-operation",
        ),
        pytest.param(
            _event(InitialExecutionState={"Operations": [EXECUTION_OP, "op"]}),
            "InitialExecutionState.Operations[1]",
            "must be an object, got str",
            id="operation-not-dict",
        ),
        *[
            pytest.param(
                _event(
                    InitialExecutionState={
                        "Operations": [EXECUTION_OP, {k: v for k, v in _STEP.items() if k != missing}]
                    }
                ),
                f"InitialExecutionState.Operations[1].{missing}",
                "is missing or not a string",
                id=f"operation-missing-{missing}",
            )
            for missing in ("Id", "Type", "Status")
        ],
        pytest.param(
            _event(InitialExecutionState={"Operations": [{**EXECUTION_OP, "Id": 7}]}),
            "InitialExecutionState.Operations[0].Id",
            "is missing or not a string",
            id="operation-id-not-str",
        ),
        pytest.param(
            _event(InitialExecutionState={"Operations": [EXECUTION_OP], "NextMarker": 3}),
            "InitialExecutionState.NextMarker",
            "must be a string",
            id="marker-not-str",
        ),
    ],
)
def test_malformed_envelope_raises_naming_the_field(service, event, field, problem):
    # GIVEN a durable handler whose body must never run
    ran = []

    @bind(service)
    def handler(event, context: DurableContext):
        ran.append(1)
        return "ran"

    # WHEN Lambda hands it a malformed event
    with pytest.raises(InvalidEnvelopeError) as caught:
        handler(event, None)

    # THEN the error names the field and the problem; nothing ran and nothing was checkpointed
    assert caught.value.field == field
    assert field in str(caught.value)
    assert problem in str(caught.value)
    assert "DurableConfig" in str(caught.value)
    assert ran == []
    assert service.calls == []


def test_invalid_json_input_fails_execution(service):
    # GIVEN a well-formed envelope whose EXECUTION input is not JSON
    @bind(service)
    def handler(event, context: DurableContext):
        return "ran"

    event = _event(
        InitialExecutionState={"Operations": [{**EXECUTION_OP, "ExecutionDetails": {"InputPayload": "{oops"}}]}
    )

    # WHEN it is invoked
    output = handler(event, None)

    # THEN the execution FAILED saying the input is not valid JSON
    assert output["Status"] == "FAILED"
    assert output["Error"]["ErrorType"] == "powertools_durable.exceptions.ExecutionError"
    assert "not valid JSON" in output["Error"]["ErrorMessage"]
