"""The emulator's AWS API through boto3 and raw HTTP: idempotency, invocation types, paging, errors."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.service import handlers

pytestmark = pytest.mark.e2e


def _error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _snapshot(emulator: LocalEmulator, arn: str) -> tuple[Any, ...]:
    return emulator.store.get(arn), emulator.store.operations(arn), emulator.store.events(arn)


def _raw(emulator: LocalEmulator, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(f"{emulator.endpoint_url}{path}", data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                json.loads(response.read() or b"null"),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.loads(exc.read() or b"null")


def _quoted(arn: str) -> str:
    return urllib.parse.quote(arn, safe="")


def test_durable_execution_name_makes_the_start_idempotent(emulator: LocalEmulator, lambda_client: Any) -> None:
    name = f"order-{uuid.uuid4().hex[:8]}"
    first = lambda_client.invoke(FunctionName="Echo", Payload=b'{"a": 1}', DurableExecutionName=name)
    again = lambda_client.invoke(FunctionName="Echo", Payload=b'{"a": 1}', DurableExecutionName=name)
    assert first["DurableExecutionArn"] == again["DurableExecutionArn"]
    assert f"/durable-execution/{name}/" in first["DurableExecutionArn"]
    assert json.loads(again["Payload"].read()) == {"a": 1}
    assert len(lambda_client.list_durable_executions_by_function(FunctionName="Echo")["DurableExecutions"]) == 1
    with pytest.raises(ClientError) as exc:
        lambda_client.invoke(FunctionName="Echo", Payload=b'{"a": 2}', DurableExecutionName=name)
    assert _error_code(exc) == "DurableExecutionAlreadyStartedException"


def test_event_invoke_returns_at_once_and_request_response_waits(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    lambda_client = emulator.client()
    # WHEN an Event invoke starts an execution that waits a (real) second
    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="StepWaitStep", InvocationType="Event", Payload=b"{}")
    # THEN it answers 202 with the ARN while the execution still runs
    assert response["StatusCode"] == 202
    assert time.monotonic() - started < 0.9
    arn = response["DurableExecutionArn"]
    assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    assert emulator.wait(arn, 10).status == "SUCCEEDED"
    # AND a RequestResponse invoke answers after the whole execution, wait included
    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="StepWaitStep", Payload=b"{}")
    assert time.monotonic() - started >= 1
    assert json.loads(response["Payload"].read()) == "fa-second"
    described = lambda_client.get_durable_execution(DurableExecutionArn=response["DurableExecutionArn"])
    assert described["Status"] == "SUCCEEDED"
    assert described["Result"] == '"fa-second"'


def test_failed_execution_answers_a_function_error(lambda_client: Any) -> None:
    response = lambda_client.invoke(FunctionName="StepFails", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorMessage"] == "it broke"


def test_history_paging_reverse_order_and_execution_data(emulator: LocalEmulator, lambda_client: Any) -> None:
    arn = emulator.run("StepWaitStep").arn
    pages, marker = [], None
    while True:
        page = lambda_client.get_durable_execution_history(
            DurableExecutionArn=arn, MaxItems=3, **({"Marker": marker} if marker else {})
        )
        pages.append([e["EventId"] for e in page["Events"]])
        marker = page.get("NextMarker")
        if not marker:
            break
    assert pages == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]
    newest = lambda_client.get_durable_execution_history(DurableExecutionArn=arn, ReverseOrder=True, MaxItems=2)
    assert [e["EventId"] for e in newest["Events"]] == [10, 9]
    bare = lambda_client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert "Payload" not in bare["Events"][0]["ExecutionStartedDetails"]["Input"]
    with pytest.raises(ClientError) as exc:
        lambda_client.get_durable_execution_history(DurableExecutionArn=arn, Marker="not-a-marker")
    assert _error_code(exc) == "InvalidParameterValueException"


def test_stale_and_reused_tokens_are_rejected_with_nothing_written(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    lambda_client = emulator.client()
    handlers.release.clear()
    arn = emulator.invoke("Blocks")
    deadline = time.monotonic() + 10
    while len(emulator.store.events(arn)) < 3 and time.monotonic() < deadline:  # the step is checkpointed
        time.sleep(0.02)
    before = _snapshot(emulator, arn)
    record = before[0]
    update = {"Id": "x1", "Type": "STEP", "Action": "START", "SubType": "Step"}
    for token in ("made-up", f"{record.invocation_id}.stale"):
        with pytest.raises(ClientError) as exc:
            lambda_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=token, Updates=[update])
        assert _error_code(exc) == "InvalidParameterValueException"
        assert _snapshot(emulator, arn) == before
    # the current token works once, then it is spent
    current = lambda_client.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken=record.token, Updates=[update]
    )
    assert current["NewExecutionState"]["Operations"][0]["Status"] == "STARTED"
    after = _snapshot(emulator, arn)
    with pytest.raises(ClientError) as exc:
        lambda_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=record.token, Updates=[])
    assert _snapshot(emulator, arn) == after
    handlers.release.set()
    assert emulator.wait(arn, 10).status == "SUCCEEDED"


def test_invalid_updates_name_the_field_and_write_nothing(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    lambda_client = emulator.client()
    handlers.release.clear()
    arn = emulator.invoke("Blocks")
    deadline = time.monotonic() + 10
    while len(emulator.store.events(arn)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    before = _snapshot(emulator, arn)
    token = before[0].token
    good = {"Id": "ok1", "Type": "STEP", "Action": "START"}
    bad = {"Id": "w1", "Type": "WAIT", "Action": "SUCCEED"}
    with pytest.raises(ClientError) as exc:
        lambda_client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=token, Updates=[good, bad])
    assert _error_code(exc) == "InvalidParameterValueException"
    assert "Updates[1]" in exc.value.response["Error"]["Message"]
    status, _headers, body = _raw(
        emulator,
        "POST",
        f"/2025-12-01/durable-executions/{_quoted(arn)}/checkpoint",
        json.dumps({"CheckpointToken": token, "Updates": [{"Id": "a", "Type": "STEP", "Action": "JUMP"}]}).encode(),
    )
    assert status == 400
    assert "Updates[0].Action" in body["message"]
    assert _snapshot(emulator, arn) == before
    handlers.release.set()
    assert emulator.wait(arn, 10).status == "SUCCEEDED"


def test_malformed_unknown_and_oversized_requests_are_4xx_and_the_server_keeps_serving(
    emulator: LocalEmulator, lambda_client: Any
) -> None:
    arn = emulator.run("Echo", {"x": 1}).arn
    before = _snapshot(emulator, arn)
    status, headers, body = _raw(
        emulator, "POST", f"/2025-12-01/durable-executions/{_quoted(arn)}/checkpoint", b"{not json"
    )
    assert status == 400
    # CheckpointDurableExecution declares no InvalidRequestContentException (Invoke does): botocore's model
    assert headers["x-amzn-errortype"] == "InvalidParameterValueException"
    assert set(body) == {"Type", "message"}
    status, headers, _ = _raw(emulator, "POST", "/2015-03-31/functions/Echo/invocations", b"[1,")
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
    with pytest.raises(ClientError) as exc:
        lambda_client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")
    assert _error_code(exc) == "ResourceNotFoundException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as exc:
        lambda_client.invoke(FunctionName="Echo", Payload=json.dumps("x" * (6 * 1024 * 1024 + 10)).encode())
    assert _error_code(exc) == "RequestTooLargeException"
    with pytest.raises(ClientError) as exc:
        lambda_client.get_durable_execution(DurableExecutionArn=arn + "-missing")
    assert _error_code(exc) == "ResourceNotFoundException"
    status, headers, _ = _raw(emulator, "GET", "/2015-03-31/nothing-here")
    assert status == 404
    assert _snapshot(emulator, arn) == before
    assert emulator.run("Echo", {"still": "serving"}).result == {"still": "serving"}


def test_stop_ends_the_execution_after_its_invocation(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    lambda_client = emulator.client()
    arn = lambda_client.invoke(FunctionName="LongWait", InvocationType="Event")["DurableExecutionArn"]
    deadline = time.monotonic() + 10
    while "InvocationCompleted" not in [e["EventType"] for e in emulator.history(arn)] and time.monotonic() < deadline:
        time.sleep(0.02)
    stopped = lambda_client.stop_durable_execution(
        DurableExecutionArn=arn, Error={"ErrorType": "Cancelled", "ErrorMessage": "by the test"}
    )
    assert stopped["StopTimestamp"]
    run = emulator.result(arn)
    assert run.status == "STOPPED"
    assert [e["EventType"] for e in run.history][-2:] == ["InvocationCompleted", "ExecutionStopped"]
    assert run.history[-1]["ExecutionStoppedDetails"]["Error"]["Payload"]["ErrorType"] == "Cancelled"
    with pytest.raises(ClientError):
        lambda_client.stop_durable_execution(DurableExecutionArn=arn)


def test_function_configuration_url_config_and_listing(emulator: LocalEmulator, lambda_client: Any) -> None:
    config = lambda_client.get_function_configuration(FunctionName="StepWaitStep")
    assert config["FunctionName"] == "StepWaitStep"
    assert config["Runtime"] == "python3.13"
    assert config["DurableConfig"] == {"ExecutionTimeout": 86_400, "RetentionPeriodInDays": 14}
    with pytest.raises(ClientError) as exc:
        lambda_client.get_function_url_config(FunctionName="StepWaitStep")
    assert _error_code(exc) == "ResourceNotFoundException"
    arns = [emulator.run("Echo", i).arn for i in range(3)]
    listed = lambda_client.list_durable_executions_by_function(FunctionName="Echo", MaxItems=2)
    assert [e["DurableExecutionArn"] for e in listed["DurableExecutions"]] == arns[:2]
    rest = lambda_client.list_durable_executions_by_function(FunctionName="Echo", Marker=listed["NextMarker"])
    assert [e["DurableExecutionArn"] for e in rest["DurableExecutions"]] == arns[2:]
    running = lambda_client.list_durable_executions_by_function(FunctionName="Echo", Statuses=["RUNNING"])
    assert running["DurableExecutions"] == []


def test_state_pages_operations_with_the_current_token(make_emulator: Any) -> None:
    emulator = make_emulator(time_scale=1)
    lambda_client = emulator.client()
    handlers.release.clear()
    arn = emulator.invoke("Blocks")
    deadline = time.monotonic() + 10
    while len(emulator.store.events(arn)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    token = emulator.store.get(arn).token  # type: ignore[union-attr]
    page = lambda_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=token, MaxItems=1)
    assert [op["Type"] for op in page["Operations"]] == ["EXECUTION"]
    rest = lambda_client.get_durable_execution_state(
        DurableExecutionArn=arn, CheckpointToken=token, Marker=page["NextMarker"]
    )
    assert [op["Type"] for op in rest["Operations"]] == ["STEP"]
    with pytest.raises(ClientError):
        lambda_client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken="nope")
    handlers.release.set()
    assert emulator.wait(arn, 10).status == "SUCCEEDED"


def test_listing_filters_on_start_time(emulator: LocalEmulator, lambda_client: Any) -> None:
    from datetime import UTC, datetime, timedelta

    first = emulator.run("Echo", "first").arn
    cut = datetime.now(UTC) + timedelta(seconds=60)  # modelled time runs x20 in this fixture
    listed = lambda_client.list_durable_executions_by_function(FunctionName="Echo", StartedBefore=cut)
    assert first in [e["DurableExecutionArn"] for e in listed["DurableExecutions"]]
    later = lambda_client.list_durable_executions_by_function(
        FunctionName="Echo", StartedAfter=datetime.now(UTC) + timedelta(days=1)
    )
    assert later["DurableExecutions"] == []


def test_close_does_not_wait_for_a_long_polling_invoke(make_emulator: Any) -> None:
    import threading

    emulator = make_emulator(time_scale=1)
    lambda_client = emulator.client()
    answered: list[Any] = []

    def invoke() -> None:
        try:
            answered.append(lambda_client.invoke(FunctionName="LongWait", Payload=b"{}"))
        except Exception as exc:  # the connection is dropped by the closing server
            answered.append(exc)

    waiter = threading.Thread(target=invoke, daemon=True)
    waiter.start()
    deadline = time.monotonic() + 10
    while not emulator.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    emulator.close()
    assert time.monotonic() - started < 5
    waiter.join(10)
    assert answered


def test_listing_is_per_version_or_alias(emulator: LocalEmulator, lambda_client: Any) -> None:
    latest = emulator.run("Echo", 1).arn
    aliased = lambda_client.invoke(FunctionName="Echo", Qualifier="live", Payload=b"2")["DurableExecutionArn"]
    assert ":live/durable-execution/" in aliased
    default = lambda_client.list_durable_executions_by_function(FunctionName="Echo")["DurableExecutions"]
    live = lambda_client.list_durable_executions_by_function(FunctionName="Echo", Qualifier="live")
    assert [e["DurableExecutionArn"] for e in default] == [latest]
    assert [e["DurableExecutionArn"] for e in live["DurableExecutions"]] == [aliased]
    assert live["DurableExecutions"][0]["FunctionArn"].endswith(":function:Echo:live")
