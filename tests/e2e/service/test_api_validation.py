"""Regression tests of the probes that found the emulator answering 500, or accepting what AWS refuses.

Each goes through the real server (boto3 where boto3 can send it, raw HTTP where it cannot), and
checks the answer's code and message and that nothing was written.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from typing import Any

import pytest
from botocore.exceptions import ClientError

from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.service import handlers
from tests.e2e.service.test_api import _quoted, _raw, _snapshot

pytestmark = pytest.mark.e2e

DEEP = b"[" * 100_000 + b"]" * 100_000


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return str(exc.value.response["Error"]["Code"]), str(exc.value.response["Error"]["Message"])


def _held(emulator: LocalEmulator) -> str:
    """A running execution whose invocation is held open (its token stays current)."""
    handlers.release.clear()
    arn = emulator.invoke("Blocks")
    deadline = time.monotonic() + 10
    while len(emulator.store.events(arn)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    return arn


def _pending_callback(emulator: LocalEmulator) -> tuple[str, str]:
    arn = emulator.invoke("AwaitsCallback")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        started = [e for e in emulator.history(arn) if e["EventType"] == "CallbackStarted"]
        if started and emulator.history(arn)[-1]["EventType"] == "InvocationCompleted":
            return arn, started[0]["CallbackStartedDetails"]["CallbackId"]
        time.sleep(0.02)
    raise AssertionError(emulator.history(arn))


def test_deeply_nested_bodies_are_400_on_every_body_route(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    arn = _held(emulator)
    before = _snapshot(emulator, arn)
    routes = {
        "/2015-03-31/functions/Echo/invocations": "InvalidRequestContentException",
        f"/2025-12-01/durable-executions/{_quoted(arn)}/checkpoint": "InvalidParameterValueException",
        "/2025-12-01/durable-execution-callbacks/bm9wZQ/fail": "InvalidParameterValueException",
        f"/2025-12-01/durable-executions/{_quoted(arn)}/stop": "InvalidParameterValueException",
    }
    for path, code in routes.items():
        status, headers, body = _raw(emulator, "POST", path, DEEP)
        assert (status, headers["x-amzn-errortype"]) == (400, code), path
        assert body["message"] == (
            f"Could not parse request body into json: the body nests arrays or objects deeper than "
            f"{512 if 'invocations' in path else 64} levels"
        )
    assert _snapshot(emulator, arn) == before
    handlers.release.set()
    assert emulator.wait(arn, 10).status == "SUCCEEDED"


@pytest.mark.parametrize("marker", ["\N{SUPERSCRIPT TWO}", "1" * 5000, "-1", "1e3"])
def test_markers_that_are_not_positions_are_refused(emulator: LocalEmulator, lambda_client: Any, marker: str) -> None:
    arn = emulator.run("Echo", 1).arn
    with pytest.raises(ClientError) as exc:
        lambda_client.get_durable_execution_history(DurableExecutionArn=arn, Marker=marker)
    code, message = _error(exc)
    assert code == "InvalidParameterValueException"
    assert "is not a marker this service returned" in message
    assert len(message) < 200


def test_query_members_out_of_their_types_are_refused(emulator: LocalEmulator, lambda_client: Any) -> None:
    status, headers, body = _raw(emulator, "GET", "/2025-12-01/functions/Echo/durable-executions?StartedAfter=1e400")
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")
    assert body["message"].startswith("StartedAfter: must be a timestamp")
    # botocore does not check enums: the service does
    with pytest.raises(ClientError) as exc:
        lambda_client.list_durable_executions_by_function(FunctionName="Echo", Statuses=["RUNNING", "BOGUS"])
    assert _error(exc) == (
        "InvalidParameterValueException",
        "Statuses[1]: must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED, DELETING, PAUSING, PAUSED; "
        "got 'BOGUS'",
    )
    status, _, body = _raw(emulator, "GET", "/2025-12-01/functions/Echo/durable-executions?MaxItems=%C2%B2")
    assert (status, body["message"]) == (400, "MaxItems: must be an integer, got '²'")


def test_an_invoke_payload_that_is_not_utf8_is_refused(emulator: LocalEmulator, lambda_client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        lambda_client.invoke(FunctionName="Echo", Payload=b'"\xff\xfe"')
    assert _error(exc) == (
        "InvalidRequestContentException",
        "Could not parse request body into json: the body is not UTF-8 text (invalid byte at position 1)",
    )
    assert lambda_client.list_durable_executions_by_function(FunctionName="Echo")["DurableExecutions"] == []


def test_a_version_qualifier_names_a_function_that_does_not_exist(emulator: LocalEmulator, lambda_client: Any) -> None:
    for call in (
        lambda: lambda_client.invoke(FunctionName="Echo", Qualifier="42", Payload=b"{}"),
        lambda: lambda_client.invoke(FunctionName="Echo:42", Payload=b"{}"),
        lambda: lambda_client.get_function_configuration(FunctionName="Echo", Qualifier="42"),
        lambda: lambda_client.list_durable_executions_by_function(FunctionName="Echo", Qualifier="42"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == (
            "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:Echo:42",
        )
    with pytest.raises(ClientError) as exc:
        lambda_client.invoke(FunctionName="Echo:live", Qualifier="other", Payload=b"{}")
    assert _error(exc)[0] == "InvalidParameterValueException"
    assert lambda_client.list_durable_executions_by_function(FunctionName="Echo")["DurableExecutions"] == []
    # an alias still runs $LATEST
    assert lambda_client.invoke(FunctionName="Echo", Qualifier="live", Payload=b"7")["StatusCode"] == 200


def test_a_callback_result_over_1_mib_is_refused_and_one_of_1_mib_is_accepted(
    emulator: LocalEmulator, lambda_client: Any
) -> None:
    arn, callback_id = _pending_callback(emulator)
    before = _snapshot(emulator, arn)
    limit = 1024 * 1024  # BinaryOperationPayload's max in botocore's model
    too_big = json.dumps("x" * (limit - 1)).encode()
    with pytest.raises(ClientError) as exc:
        lambda_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=too_big)
    assert _error(exc) == (
        "InvalidParameterValueException",
        f"Result: must be at most {limit} bytes long, got {limit + 1}",
    )
    status, _, body = _raw(emulator, "POST", f"/2025-12-01/durable-execution-callbacks/{callback_id}/succeed", b"\xff")
    assert (status, body["message"]) == (400, "Result must be UTF-8 text: the SDK reads it as a string")
    assert _snapshot(emulator, arn) == before
    fits = json.dumps("x" * (limit - 2)).encode()
    lambda_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=fits)
    assert emulator.wait(arn, 10).result == {"answer": fits.decode()}  # the callback result, as sent


def test_a_string_where_the_model_says_integer_is_refused(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    arn = _held(emulator)
    before = _snapshot(emulator, arn)
    token = before[0].token
    update = {"Id": "w9", "Type": "WAIT", "Action": "START", "SubType": "Wait", "WaitOptions": {"WaitSeconds": "5"}}
    path = f"/2025-12-01/durable-executions/{_quoted(arn)}/checkpoint"
    status, headers, body = _raw(
        emulator, "POST", path, json.dumps({"CheckpointToken": token, "Updates": [update]}).encode()
    )
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")
    assert body["message"] == "Updates[0].WaitOptions.WaitSeconds: must be an integer, got a string '5'"
    assert _snapshot(emulator, arn) == before
    handlers.release.set()
    assert emulator.wait(arn, 10).status == "SUCCEEDED"


def test_state_and_checkpoint_accept_the_same_tokens(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    lambda_client = emulator.client()
    arn = _held(emulator)
    record = emulator.store.get(arn)
    assert record is not None
    assert record.token is not None
    stale = f"{record.invocation_id}.stale"  # this invocation's prefix, but not its current token
    for call in (
        lambda: lambda_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=stale),
        lambda: lambda_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=stale, Updates=[]),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == (
            "InvalidParameterValueException",
            "Invalid checkpoint token: it is stale or was already used",
        )
    state = lambda_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=record.token)
    assert [op["Type"] for op in state["Operations"]] == ["EXECUTION", "STEP"]
    handlers.release.set()
    assert emulator.wait(arn, 10).status == "SUCCEEDED"


def test_an_unexpected_error_is_a_generic_500_with_a_request_id_and_logged(
    emulator: LocalEmulator, lambda_client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a service fault (a bug, not client input)
    arn = emulator.run("Echo", 1).arn

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("secret internal detail")

    monkeypatch.setattr(emulator.service, "describe", broken)
    caplog.set_level(logging.ERROR, logger="powertools_durable.local.server")
    # WHEN a client calls the broken route
    status, headers, body = _raw(emulator, "GET", f"/2025-12-01/durable-executions/{urllib.parse.quote(arn, safe='')}")
    # THEN a 500 ServiceException without the Python error, naming the request id that the log has
    assert (status, headers["x-amzn-errortype"], body["Type"]) == (500, "ServiceException", "Service")
    assert "secret" not in body["message"]
    assert "KeyError" not in body["message"]
    request_id = headers["x-amzn-requestid"]
    assert request_id in body["message"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert "secret internal detail" in str(logged[0].exc_info[1])
