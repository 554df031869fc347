"""Wire ``ErrorObject``s: built from exceptions, rebuilt into typed operation errors."""

from __future__ import annotations

import pickle

import pytest

from powertools_durable import (
    DurableOperationError,
    ExecutionError,
    InvocationError,
    SerDesError,
    StepError,
    StepInterruptedError,
)
from powertools_durable.exceptions import CheckpointError, NonDeterministicExecutionError
from powertools_durable.service.wire import error_object, error_type_name, operation_error


class CustomError(Exception):
    pass


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


@pytest.mark.parametrize(
    ("exc", "name"),
    [
        (ValueError("x"), "ValueError"),
        (KeyError("x"), "KeyError"),
        (CustomError("x"), f"{__name__}.CustomError"),
        (StepInterruptedError("x"), "powertools_durable.exceptions.StepInterruptedError"),
    ],
)
def test_error_type_name(exc, name):
    # GIVEN an exception / THEN builtins are bare, everything else module-qualified
    assert error_type_name(exc) == name


def test_error_object_of_a_raised_exception_has_type_message_and_stack():
    # GIVEN a raised exception / WHEN described
    obj = error_object(_raised(ValueError("bad input")))

    # THEN ErrorType and ErrorMessage are set and StackTrace is a list of frame strings
    assert obj["ErrorType"] == "ValueError"
    assert obj["ErrorMessage"] == "bad input"
    assert isinstance(obj["StackTrace"], list)
    assert any("_raised" in line for line in obj["StackTrace"])
    assert "ErrorData" not in obj


def test_error_object_of_an_unraised_exception_has_no_stack():
    # GIVEN an exception never raised / WHEN described / THEN there is no StackTrace field at all
    assert error_object(RuntimeError("r")) == {"ErrorType": "RuntimeError", "ErrorMessage": "r"}


def test_operation_errors_keep_the_type_they_carry():
    # GIVEN a StepError rebuilt from a checkpoint of a KeyError, with data and trace
    exc = StepError("m", "KeyError", '{"k":1}', ["frame"])

    # WHEN described again / THEN it is the original error's object, not "StepError"
    assert error_object(exc) == {
        "ErrorType": "KeyError",
        "ErrorMessage": "m",
        "ErrorData": '{"k":1}',
        "StackTrace": ["frame"],
    }


def test_operation_error_rebuilds_typed_error_with_cause():
    # GIVEN a checkpointed ErrorObject
    wire = {"ErrorType": "ValueError", "ErrorMessage": "boom", "ErrorData": "d", "StackTrace": ["a", "b"]}

    # WHEN rebuilt as a StepError
    exc = operation_error(StepError, wire)

    # THEN the fields are carried and __cause__ is a plain DurableOperationError with the same fields
    assert isinstance(exc, StepError)
    assert (exc.message, exc.error_type, exc.data, exc.stack_trace) == ("boom", "ValueError", "d", ["a", "b"])
    assert type(exc.__cause__) is DurableOperationError
    assert exc.__cause__.error_type == "ValueError"
    assert error_object(exc) == wire


def test_operation_error_of_missing_error_object():
    # GIVEN no ErrorObject / WHEN rebuilt / THEN a StepError with its own type name and no message
    exc = operation_error(StepError, None)
    assert exc.error_type == "powertools_durable.exceptions.StepError"
    assert exc.message is None


def test_operation_errors_pickle():
    # GIVEN a StepError / WHEN pickled and unpickled / THEN every field survives
    back = pickle.loads(pickle.dumps(StepError("m", "T", "d", ["s"])))
    assert (back.message, back.error_type, back.data, back.stack_trace) == ("m", "T", "d", ["s"])


def test_serdes_error_with_type_uses_it():
    # GIVEN a SerDesError carrying an error type / WHEN described / THEN that type is used
    assert error_object(SerDesError("m", error_type="X")) == {"ErrorType": "X", "ErrorMessage": "m"}


@pytest.mark.parametrize(
    ("cls", "family"),
    [
        (CheckpointError, InvocationError),
        (StepInterruptedError, InvocationError),
        (NonDeterministicExecutionError, ExecutionError),
    ],
)
def test_error_families(cls, family):
    # GIVEN an error class / THEN it belongs to the family that decides FAILED vs retried invocation
    assert issubclass(cls, family)
    assert not issubclass(cls, ExecutionError if family is InvocationError else InvocationError)
