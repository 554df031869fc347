"""The error family's official fields: termination reasons, API error categories, rebuilt operation errors."""

from __future__ import annotations

import pickle

import pytest

from powertools_durable import (
    BotoClientError,
    CheckpointError,
    CheckpointErrorCategory,
    DurableApiErrorCategory,
    DurableOperationError,
    ExecutionError,
    InvalidEnvelopeError,
    InvocationError,
    NonDeterministicExecutionError,
    StepError,
    StepInterruptedError,
    TerminationReason,
    TimedSuspendExecution,
)


def test_termination_reasons_are_the_official_ones():
    # GIVEN each error / WHEN built with its message only / THEN its termination reason is the official default
    assert ExecutionError("x").termination_reason is TerminationReason.EXECUTION_ERROR
    assert InvocationError("x").termination_reason is TerminationReason.INVOCATION_ERROR
    assert NonDeterministicExecutionError("x").termination_reason is TerminationReason.NON_DETERMINISTIC_EXECUTION
    assert CheckpointError("x").termination_reason is TerminationReason.CHECKPOINT_FAILED
    assert StepInterruptedError("x").termination_reason is TerminationReason.STEP_INTERRUPTED
    assert CheckpointErrorCategory is DurableApiErrorCategory


class ClientErrorLike(Exception):
    def __init__(self, code: str, status: int, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}


@pytest.mark.parametrize(
    ("code", "status", "message", "retryable"),
    [
        ("ServiceException", 500, "", True),
        ("TooManyRequestsException", 429, "", True),
        ("InvalidParameterValueException", 400, "Invalid checkpoint token: stale", True),
        ("InvalidParameterValueException", 400, "payload too large", False),
        ("KMSDisabledException", 502, "", False),
    ],
)
def test_api_errors_are_classified_as_the_official_sdk_does(code, status, message, retryable):
    # GIVEN a botocore-shaped client error / WHEN wrapped / THEN retryable exactly when another invocation can help
    error = CheckpointError.from_exception(ClientErrorLike(code, status, message))
    assert error.is_retryable() is retryable
    assert error.is_retriable() is retryable
    assert error.build_logger_extras()["Error"]["Code"] == code
    assert isinstance(error, BotoClientError)


def test_operation_errors_rebuild_only_this_packages_classes():
    # GIVEN error fields naming one of our classes, the official one, and an arbitrary class
    ours = DurableOperationError.from_error_fields("powertools_durable.exceptions.StepError", "m", None, None)
    theirs = DurableOperationError.from_error_fields(
        "aws_durable_execution_sdk_python.exceptions.StepError", "m", None, None
    )
    other = DurableOperationError.from_error_fields("subprocess.StepError", "m", None, ["tb"])

    # THEN the known ones become StepError, anything else a plain DurableOperationError keeping its fields
    assert type(ours) is StepError
    assert type(theirs) is StepError
    assert type(other) is DurableOperationError
    assert (other.error_type, other.message, other.stack_trace) == ("subprocess.StepError", "m", ["tb"])


def test_errors_survive_pickling_between_processes():
    # GIVEN errors whose constructors take more than the message
    errors = [InvalidEnvelopeError("bad", field="CheckpointToken"), CheckpointError("down"), ExecutionError("x")]

    # WHEN pickled and loaded (as between a worker and the emulator)
    loaded = [pickle.loads(pickle.dumps(e)) for e in errors]

    # THEN type, message and fields come back
    assert [(type(e), str(e)) for e in loaded] == [(type(e), str(e)) for e in errors]
    assert loaded[0].field == "CheckpointToken"
    assert loaded[1].termination_reason is TerminationReason.CHECKPOINT_FAILED


def test_timed_suspension_knows_when_to_resume():
    # GIVEN a suspension 30 s from now / THEN its timestamp is in the future and it is not an Exception
    suspension = TimedSuspendExecution.from_delay("waiting", 30)
    assert suspension.scheduled_timestamp > 0
    assert not isinstance(suspension, Exception)
