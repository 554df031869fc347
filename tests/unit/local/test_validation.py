"""Requests checked against botocore's service model: types, enums, lengths, ranges, required members."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from powertools_durable.local import validation
from powertools_durable.local.errors import (
    InvalidParameterValueError,
    InvalidRequestContentError,
    ServiceError,
)
from powertools_durable.local.server import ROUTES, Api
from powertools_durable.service.wire import OperationAction, OperationType

WAIT = {"Id": "w", "Type": "WAIT", "Action": "START"}
ARN = "arn:aws:lambda:us-east-1:123456789012:function:Echo:$LATEST/durable-execution/n/id"


def _read(
    name: str,
    *,
    path: dict[str, str] | None = None,
    query: dict[str, Sequence[str]] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = b"",
) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return validation.operation(name).read(path or {}, lambda key: (query or {}).get(key, []), headers or {}, raw)


def _message(exc: pytest.ExceptionInfo[ServiceError]) -> str:
    return exc.value.message


def _checkpoint(*updates: dict[str, Any], token: str = "t1") -> dict[str, Any]:
    return _read(
        "CheckpointDurableExecution",
        path={"DurableExecutionArn": ARN},
        body={"CheckpointToken": token, "Updates": list(updates)},
    )


def test_a_valid_checkpoint_reads_into_its_members() -> None:
    update = {"Id": "s1", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 5}, "Extra": 1}
    params = _checkpoint(update)
    assert params == {"DurableExecutionArn": ARN, "CheckpointToken": "t1", "Updates": [update]}


@pytest.mark.parametrize(
    ("update", "member", "problem"),
    [
        ({**WAIT, "WaitOptions": {"WaitSeconds": "5"}}, "Updates[0].WaitOptions.WaitSeconds", "integer"),
        ({**WAIT, "WaitOptions": {"WaitSeconds": 0}}, "WaitSeconds", "between 1 and 31622400"),
        ({**WAIT, "WaitOptions": {"WaitSeconds": True}}, "WaitSeconds", "integer"),
        ({**WAIT, "WaitOptions": {"WaitSeconds": 1.5}}, "WaitSeconds", "integer"),
        ({"Id": "w", "Type": "BOGUS", "Action": "START"}, "Updates[0].Type", "must be one of"),
        ({"Id": "w", "Type": "STEP", "Action": "JUMP"}, "Updates[0].Action", "must be one of"),
        ({"Id": "x" * 65, "Type": "STEP", "Action": "START"}, "Updates[0].Id", "at most 64"),
        ({"Id": "", "Type": "STEP", "Action": "START"}, "Updates[0].Id", "at least 1"),
        ({"Type": "STEP", "Action": "START"}, "Updates[0]", "Id is required"),
        ({"Id": "s", "Type": "STEP", "Action": "FAIL", "Error": {"StackTrace": "x"}}, "StackTrace", "array"),
        ({"Id": "s", "Type": "STEP", "Action": "FAIL", "Error": []}, "Updates[0].Error", "object"),
        ({"Id": "c", "Type": "CHAINED_INVOKE", "Action": "START", "ChainedInvokeOptions": {}}, "Options", "required"),
    ],
)
def test_invalid_updates_name_the_member_and_the_problem(update: dict[str, Any], member: str, problem: str) -> None:
    with pytest.raises(InvalidParameterValueError) as exc:
        _checkpoint({"Id": "ok", "Type": "STEP", "Action": "START"}, update)
    assert member.replace("[0]", "[1]") in _message(exc)
    assert problem in _message(exc)


def test_the_checkpoint_token_is_required_and_bounded() -> None:
    with pytest.raises(InvalidParameterValueError, match="CheckpointToken is required"):
        _read("CheckpointDurableExecution", path={"DurableExecutionArn": ARN}, body={"Updates": []})
    with pytest.raises(InvalidParameterValueError, match="CheckpointToken: must be at most 2048"):
        _checkpoint(token="t" * 2049)
    with pytest.raises(InvalidParameterValueError, match="CheckpointToken"):
        _read("GetDurableExecutionState", path={"DurableExecutionArn": ARN}, query={"CheckpointToken": ["t" * 2049]})


def test_a_body_that_is_not_an_object_or_not_json_is_refused_with_the_declared_code() -> None:
    with pytest.raises(InvalidParameterValueError, match="must be a JSON object"):
        _read("CheckpointDurableExecution", path={"DurableExecutionArn": ARN}, body=[1])
    # CheckpointDurableExecution does not declare InvalidRequestContentException; Invoke does
    with pytest.raises(ServiceError) as exc:
        _read("CheckpointDurableExecution", path={"DurableExecutionArn": ARN}, body=b"[" * 100)
    assert type(exc.value) is InvalidParameterValueError
    assert "Could not parse request body into json" in _message(exc)
    assert validation.operation("Invoke").bad_body is InvalidRequestContentError


@pytest.mark.parametrize(
    ("query", "member", "problem"),
    [
        ({"Statuses": ["RUNNING", "BOGUS"]}, "Statuses[1]", "must be one of"),
        ({"Statuses": ["RUNNING"] * 11}, "Statuses", "at most 10 items"),
        ({"MaxItems": ["1001"]}, "MaxItems", "between 0 and 1000"),
        ({"MaxItems": ["9" * 5000]}, "MaxItems", "between 0 and 1000"),
        ({"MaxItems": ["\N{SUPERSCRIPT TWO}"]}, "MaxItems", "must be an integer"),
        ({"MaxItems": ["1_0"]}, "MaxItems", "must be an integer"),
        ({"ReverseOrder": ["maybe"]}, "ReverseOrder", "true or false"),
        ({"StartedAfter": ["1e400"]}, "StartedAfter", "between the years"),
        ({"StartedAfter": ["yesterday"]}, "StartedAfter", "ISO 8601"),
        ({"DurableExecutionName": ["n" * 65]}, "DurableExecutionName", "at most 64"),
        ({"Qualifier": [""]}, "Qualifier", "at least 1"),
    ],
)
def test_invalid_query_members_are_refused(query: dict[str, list[str]], member: str, problem: str) -> None:
    with pytest.raises(InvalidParameterValueError) as exc:
        _read("ListDurableExecutionsByFunction", path={"FunctionName": "Echo"}, query=query)
    assert _message(exc).startswith(f"{member}:")
    assert problem in _message(exc)


def test_query_members_are_read_in_their_types() -> None:
    params = _read(
        "ListDurableExecutionsByFunction",
        path={"FunctionName": "Echo"},
        query={
            "Statuses": ["RUNNING", "FAILED"],
            "MaxItems": ["5"],
            "ReverseOrder": ["True"],
            "StartedAfter": ["2026-01-01T00:00:00Z"],
            "StartedBefore": ["1767225600"],
        },
    )
    assert params["Statuses"] == ["RUNNING", "FAILED"]
    assert (params["MaxItems"], params["ReverseOrder"]) == (5, True)
    assert params["StartedAfter"] == params["StartedBefore"] == 1_767_225_600_000
    for same in ("2026-01-01", "2026-01-01T01:00:00+01:00", "1.7672256e9", "1767225600.0"):
        read = _read("ListDurableExecutionsByFunction", path={"FunctionName": "Echo"}, query={"StartedAfter": [same]})
        assert read["StartedAfter"] == 1_767_225_600_000, same


def test_a_callback_result_over_the_model_limit_is_refused() -> None:
    limit = validation.service_model().shape_for("BinaryOperationPayload").metadata["max"]
    assert limit == 1024 * 1024
    ok = _read("SendDurableExecutionCallbackSuccess", path={"CallbackId": "abc"}, body=b"x" * limit)
    assert len(ok["Result"]) == limit
    with pytest.raises(InvalidParameterValueError, match=f"Result: must be at most {limit} bytes"):
        _read("SendDurableExecutionCallbackSuccess", path={"CallbackId": "abc"}, body=b"x" * (limit + 1))


def test_headers_are_checked_too() -> None:
    with pytest.raises(InvalidParameterValueError, match="InvocationType: must be one of"):
        _read("Invoke", path={"FunctionName": "Echo"}, headers={"X-Amz-Invocation-Type": "Later"}, body=b"{}")


def test_the_wire_enums_are_the_models() -> None:
    model = validation.service_model()
    assert {t.value for t in OperationType} == set(model.shape_for("OperationType").enum)
    assert {a.value for a in OperationAction} == set(model.shape_for("OperationAction").enum)


def test_every_route_is_its_operation_as_the_model_declares_it() -> None:
    # GIVEN the server's route table
    model = validation.service_model()
    operations = [(method, path, name) for method, path, name, _ in ROUTES if name is not None]
    assert all(callable(getattr(Api, handler)) for *_, handler in ROUTES)
    assert {name for _, _, name in operations} >= {
        "Invoke",
        "CheckpointDurableExecution",
        "GetDurableExecutionState",
        "GetDurableExecution",
        "GetDurableExecutionHistory",
        "ListDurableExecutionsByFunction",
        "StopDurableExecution",
        "SendDurableExecutionCallbackSuccess",
        "SendDurableExecutionCallbackFailure",
        "SendDurableExecutionCallbackHeartbeat",
    }
    # THEN each route's method and path are botocore's (an ARN spans segments, hence ':path')
    for method, path, name in operations:
        http = model.operation_model(name).http
        assert method == http["method"], name
        assert path.replace(":path}", "}").rstrip("/") == http["requestUri"].split("?")[0], name
