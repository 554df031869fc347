"""The standard-library client: SigV4 against botocore's signer, the wire format against boto3's, retries."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotocoreCredentials

from powertools_durable.exceptions import CheckpointError, GetExecutionStateError
from powertools_durable.service import client as client_module
from powertools_durable.service.client import Boto3ServiceClient, default_client, reset_default_client
from powertools_durable.service.http_client import Credentials, HttpServiceClient, sigv4_headers

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/orders/run-1"
ENCODED_ARN = (
    "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorders%3A%24LATEST%2Fdurable-execution%2Forders%2Frun-1"
)
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)
UPDATES = [{"Id": "a1", "Type": "STEP", "SubType": "Step", "Action": "SUCCEED", "Payload": '{"t":"i","v":1}'}]


def botocore_authorization(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: Credentials,
    monkeypatch: Any,
    at: datetime = NOW,
) -> str:
    """What botocore's own SigV4 signer puts in Authorization for this request at ``at``."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: at.replace(tzinfo=None))
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    signer = botocore.auth.SigV4Auth(
        BotocoreCredentials(credentials.access_key, credentials.secret_key, credentials.session_token),
        "lambda",
        "us-east-1",
    )
    signer.add_auth(request)
    return str(request.headers["Authorization"])


# -- SigV4 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("session_token", [None, "FQoGZXIvYXdzEJr//////////token+/="])
def test_sigv4_post_matches_botocore(monkeypatch, session_token):
    # GIVEN a checkpoint request (percent-encoded ARN path, JSON body), with and without a session token
    credentials = Credentials(CREDENTIALS.access_key, CREDENTIALS.secret_key, session_token)
    url = f"https://lambda.us-east-1.amazonaws.com/2025-12-01/durable-executions/{ENCODED_ARN}/checkpoint"
    headers = {"Content-Type": "application/json"}
    body = json.dumps({"CheckpointToken": "tok", "Updates": UPDATES}).encode()

    # WHEN both signers sign it at the same instant
    ours = sigv4_headers("POST", url, headers, body, credentials, "us-east-1", NOW)
    theirs = botocore_authorization("POST", url, {**headers, **_without_auth(ours)}, body, credentials, monkeypatch)

    # THEN the Authorization headers are identical
    assert ours["Authorization"] == theirs
    assert ours["X-Amz-Date"] == "20260102T030405Z"
    assert ours.get("X-Amz-Security-Token") == session_token


def test_sigv4_get_with_query_and_port_matches_botocore(monkeypatch):
    # GIVEN a state request on a non-default port with an encoded query (token with + / =)
    url = (
        f"http://127.0.0.1:8123/2025-12-01/durable-executions/{ENCODED_ARN}/state"
        "?CheckpointToken=ab%2Bc%2Fd%3D&Marker=m%201&MaxItems=1000"
    )

    # WHEN both signers sign it
    ours = sigv4_headers("GET", url, {}, b"", CREDENTIALS, "us-east-1", NOW)
    theirs = botocore_authorization("GET", url, _without_auth(ours), b"", CREDENTIALS, monkeypatch)

    # THEN they agree
    assert ours["Authorization"] == theirs


def _without_auth(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "Authorization"}


# -- a local stub of the service -------------------------------------------------------------------
class Stub:
    """Records every request and answers from a script of (status, headers, body) tuples."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, str], Any]] = []
        self.default: tuple[int, dict[str, str], dict[str, Any]] = (
            200,
            {},
            {"CheckpointToken": "next", "NewExecutionState": {"Operations": []}},
        )
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                stub.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                status, headers, payload = stub.script.pop(0) if stub.script else stub.default
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.close()


@pytest.fixture
def aws_env(monkeypatch, stub):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secret_key)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", stub.url)
    monkeypatch.delenv("POWERTOOLS_DURABLE_CLIENT", raising=False)
    reset_default_client()
    yield
    reset_default_client()


def make_client(stub: Stub, sleeps: list[float] | None = None, max_attempts: int = 5) -> HttpServiceClient:
    recorded = sleeps if sleeps is not None else []
    return HttpServiceClient(
        "us-east-1", stub.url, credentials=CREDENTIALS, max_attempts=max_attempts, sleep=recorded.append
    )


def test_checkpoint_success_sends_the_encoded_arn_and_a_signed_json_body(stub, monkeypatch):
    # GIVEN the stub answers a checkpoint
    stub.default = (200, {}, {"CheckpointToken": "t2", "NewExecutionState": {"Operations": [{"Id": "a1"}]}})

    # WHEN our client checkpoints
    response = make_client(stub).checkpoint(ARN, "t1", UPDATES)

    # THEN it returned the answer, sent one POST to the ARN as one encoded segment, signed as botocore signs
    assert response == {"CheckpointToken": "t2", "NewExecutionState": {"Operations": [{"Id": "a1"}]}}
    (request,) = stub.requests
    assert request["method"] == "POST"
    assert request["path"] == f"/2025-12-01/durable-executions/{ENCODED_ARN}/checkpoint"
    assert _body(request) == {"CheckpointToken": "t1", "Updates": UPDATES}
    # botocore, signing the same request at the same instant, computes the same Authorization
    sent_at = datetime.strptime(request["headers"]["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    expected = botocore_authorization(
        "POST",
        stub.url + request["path"],
        {"Content-Type": request["headers"]["Content-Type"]},
        request["body"],
        CREDENTIALS,
        monkeypatch,
        at=sent_at,
    )
    assert request["headers"]["Authorization"] == expected


def test_wire_format_is_the_one_boto3_sends(stub, aws_env):
    # GIVEN boto3's lambda client and ours, both pointed at the stub
    boto = boto3.client("lambda", config=Config(retries={"max_attempts": 1}))
    stub.default = (200, {}, {"CheckpointToken": "t2", "NewExecutionState": {"Operations": []}, "Operations": []})

    # WHEN each makes the same two calls
    boto.checkpoint_durable_execution(DurableExecutionArn=ARN, CheckpointToken="t1/+=", Updates=UPDATES)  # type: ignore[arg-type]
    boto.get_durable_execution_state(DurableExecutionArn=ARN, CheckpointToken="t1/+=", Marker="m 1", MaxItems=1000)
    ours = make_client(stub)
    ours.checkpoint(ARN, "t1/+=", UPDATES)
    ours.get_execution_state(ARN, "t1/+=", "m 1", 1000)

    # THEN method, path, query, body and content type are the same
    boto_post, boto_get, our_post, our_get = stub.requests
    for theirs, mine in ((boto_post, our_post), (boto_get, our_get)):
        assert mine["method"] == theirs["method"]
        assert urlsplit(mine["path"]).path == urlsplit(theirs["path"]).path
        assert sorted(parse_qsl(urlsplit(mine["path"]).query)) == sorted(parse_qsl(urlsplit(theirs["path"]).query))
        assert _body(mine) == _body(theirs)
    assert our_post["headers"]["Content-Type"] == boto_post["headers"]["Content-Type"]


def _body(request: dict[str, Any]) -> Any:
    """The JSON body with the idempotency token's value (a fresh UUID per call) masked."""
    if not request["body"]:
        return None
    body = json.loads(request["body"])
    assert len(body.pop("ClientToken", "")) == 36
    return body


def test_get_execution_state_sends_the_query(stub):
    # GIVEN a page of state
    stub.default = (200, {}, {"Operations": [{"Id": "x"}], "NextMarker": "2"})

    # WHEN our client fetches it
    page = make_client(stub).get_execution_state(ARN, "tok", "1", 500)

    # THEN it GETs .../state with the three query parameters
    assert page == {"Operations": [{"Id": "x"}], "NextMarker": "2"}
    (request,) = stub.requests
    path = urlsplit(request["path"])
    assert path.path == f"/2025-12-01/durable-executions/{ENCODED_ARN}/state"
    assert dict(parse_qsl(path.query)) == {"CheckpointToken": "tok", "Marker": "1", "MaxItems": "500"}


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (429, {}, {"message": "Rate exceeded"}),
        (400, {"x-amzn-ErrorType": "ThrottlingException:http://internal"}, {"message": "slow down"}),
        (400, {}, {"__type": "TooManyRequestsException", "message": "too many"}),
        (500, {}, {"__type": "ServiceException", "message": "oops"}),
    ],
)
def test_throttling_and_5xx_are_retried_then_succeed(stub, status, headers, body):
    # GIVEN two throttled/failed answers, then success
    stub.script = [(status, headers, body), (status, headers, body)]
    sleeps: list[float] = []

    # WHEN our client checkpoints
    response = make_client(stub, sleeps).checkpoint(ARN, "t1", UPDATES)

    # THEN it retried with backoff and returned the success
    assert response["CheckpointToken"] == "next"
    assert len(stub.requests) == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 5 for s in sleeps)


def test_5xx_exhausted_raises_checkpoint_error(stub):
    # GIVEN a service that always fails with 503
    stub.default = (503, {}, {"__type": "ServiceException", "message": "unavailable"})
    sleeps: list[float] = []

    # WHEN our client checkpoints with 3 attempts
    with pytest.raises(CheckpointError, match="ServiceException") as caught:
        make_client(stub, sleeps, max_attempts=3).checkpoint(ARN, "t1", UPDATES)

    # THEN it tried 3 times, sleeping between attempts, and says so
    assert len(stub.requests) == 3
    assert len(sleeps) == 2
    assert "after 3 attempts" in str(caught.value)


def test_4xx_raises_checkpoint_error_with_the_aws_code_at_once(stub):
    # GIVEN a stale token rejected by the service
    stub.default = (
        400,
        {"x-amzn-ErrorType": "InvalidParameterValueException:http://internal.amazon.com/coral/"},
        {"message": "Invalid Checkpoint Token"},
    )

    # WHEN our client checkpoints
    with pytest.raises(CheckpointError) as caught:
        make_client(stub).checkpoint(ARN, "stale", UPDATES)

    # THEN it was not retried and carries AWS's code and message
    assert len(stub.requests) == 1
    assert "InvalidParameterValueException" in str(caught.value)
    assert "Invalid Checkpoint Token" in str(caught.value)
    assert caught.value.__cause__.code == "InvalidParameterValueException"  # type: ignore[union-attr]


def test_get_execution_state_failure_raises_get_execution_state_error(stub):
    stub.default = (404, {}, {"__type": "ResourceNotFoundException", "message": "no such execution"})

    with pytest.raises(GetExecutionStateError, match="ResourceNotFoundException"):
        make_client(stub).get_execution_state(ARN, "t", "1")


def test_connection_refused_is_retried_then_raises():
    # GIVEN an endpoint nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    sleeps: list[float] = []
    client = HttpServiceClient("us-east-1", url, credentials=CREDENTIALS, max_attempts=2, sleep=sleeps.append)

    # WHEN our client checkpoints
    with pytest.raises(CheckpointError, match="after 2 attempts"):
        client.checkpoint(ARN, "t1", UPDATES)

    # THEN it backed off once between its two attempts
    assert len(sleeps) == 1


def test_keep_alive_connection_is_reused(stub):
    client = make_client(stub)
    client.checkpoint(ARN, "t1", UPDATES)
    connection = client._connection
    client.checkpoint(ARN, "t2", UPDATES)
    assert client._connection is connection is not None
    assert len(stub.requests) == 2


# -- default_client --------------------------------------------------------------------------------
def test_default_client_is_the_http_client_with_credentials_in_the_environment(aws_env, stub):
    client = default_client()
    assert isinstance(client, HttpServiceClient)
    assert client.endpoint == stub.url
    assert client.checkpoint(ARN, "t1", UPDATES)["CheckpointToken"] == "next"


def test_default_client_is_boto3_when_asked(aws_env, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_DURABLE_CLIENT", "boto3")
    assert isinstance(default_client(), Boto3ServiceClient)


def test_default_client_falls_back_to_boto3_without_env_credentials(aws_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.setattr(client_module, "Boto3ServiceClient", lambda c: ("boto3", c))
    built = default_client()
    assert built[0] == "boto3"  # type: ignore[index]


def test_endpoint_defaults_to_the_regional_lambda_endpoint(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_LAMBDA", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    client = HttpServiceClient.from_env()
    assert client is not None
    assert client.endpoint == "https://lambda.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "not JSON"),
        (b"[1, 2]", "JSON list, not an object"),
        (b"[" * 100_000, "not JSON"),
        (b'"token"', "JSON str, not an object"),
    ],
)
def test_a_successful_answer_that_is_not_a_json_object_raises_checkpoint_error(stub, body, problem):
    # GIVEN a proxy answering 200 with a body that is not the service's JSON object
    stub.default = (200, {}, body)
    # WHEN our client checkpoints / THEN a CheckpointError (the invocation is retried) names the problem
    with pytest.raises(CheckpointError) as caught:
        make_client(stub).checkpoint(ARN, "t", UPDATES)
    assert problem in str(caught.value)
    assert "CheckpointDurableExecution" in str(caught.value)
