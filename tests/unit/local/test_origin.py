"""The same-origin guard's decision, header by header (local/origin.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import pytest

from powertools_durable.local.origin import ENV_ALLOWED_HOSTS, SameOriginGuard, is_local_name, refusal, split_host


def headers(**values: str) -> dict[bytes, bytes]:
    return {name.replace("_", "-").lower().encode(): value.encode() for name, value in values.items()}


@pytest.mark.parametrize(
    ("value", "host"),
    [("127.0.0.1:5000", "127.0.0.1"), ("LOCALHOST", "localhost"), ("[::1]:5000", "::1"), ("::1", "::1")],
)
def test_split_host(value: str, host: str) -> None:
    assert split_host(value) == host


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "::1", "localhost", "app.localhost"])
def test_local_names(host: str) -> None:
    assert is_local_name(host)


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io", ""])
def test_other_names_are_not_local(host: str) -> None:
    assert not is_local_name(host)


def test_extra_hosts_are_local() -> None:
    assert is_local_name("devbox", frozenset({"devbox"}))


@pytest.mark.parametrize(
    "request_headers",
    [
        headers(),  # HTTP/1.0 without Host
        headers(host="127.0.0.1:5000"),  # boto3, the AWS CLI, SAM CLI
        headers(host="localhost:5000", origin="http://localhost:5000"),
        headers(host="127.0.0.1:5000", origin="http://127.0.0.1:5000", sec_fetch_site="same-origin"),
        headers(host="127.0.0.1:5000", sec_fetch_site="none", sec_fetch_mode="navigate"),  # typed in the address bar
        headers(
            host="127.0.0.1:5000", sec_fetch_site="cross-site", sec_fetch_mode="navigate", sec_fetch_dest="document"
        ),
    ],
)
def test_tools_and_same_origin_pass(request_headers: dict[bytes, bytes]) -> None:
    assert refusal(request_headers) is None


@pytest.mark.parametrize(
    ("request_headers", "words"),
    [
        (headers(host="evil.example:5000"), "DNS rebinding"),
        (headers(host="127.0.0.1:5000", origin="https://evil.example"), "Origin 'https://evil.example'"),
        (headers(host="127.0.0.1:5000", origin="null"), "Origin 'null'"),
        (headers(host="127.0.0.1:5000", origin="http://127.0.0.1:5001"), "not this emulator's own"),
        (headers(origin="http://127.0.0.1:5000"), "not this emulator's own"),
        (headers(host="127.0.0.1:5000", sec_fetch_site="cross-site", sec_fetch_mode="no-cors"), "cross-site"),
        (headers(host="127.0.0.1:5000", sec_fetch_site="same-site", sec_fetch_mode="cors"), "same-site"),
        (
            headers(
                host="127.0.0.1:5000", sec_fetch_site="cross-site", sec_fetch_mode="navigate", sec_fetch_dest="iframe"
            ),
            "embedded",
        ),
    ],
)
def test_cross_origin_is_refused_with_a_reason(request_headers: dict[bytes, bytes], words: str) -> None:
    reason = refusal(request_headers)
    assert reason is not None
    assert words in reason


def run(coroutine: Any) -> None:
    """Run on a loop of its own thread (a test elsewhere may have a loop running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def call(guard: SameOriginGuard, **request_headers: str) -> tuple[int, dict[bytes, bytes], bytes]:
    """One HTTP request through the ASGI middleware, as uvicorn would make it."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": list(headers(**request_headers).items())}
    run(guard(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_hosts_allowed_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a machine name configured, as a LAN or a container reaches the emulator
    monkeypatch.setenv(ENV_ALLOWED_HOSTS, " DevBox , host.docker.internal")
    guard = SameOriginGuard(_hello)
    # THEN that name passes, with or without its own Origin, and other names still do not
    assert call(guard, host="devbox:5000")[2] == b"hello"
    assert call(guard, host="devbox:5000", origin="http://devbox:5000")[0] == 200
    assert call(guard, host="host.docker.internal:5000")[0] == 200
    status, response_headers, body = call(guard, host="evil.example")
    assert status == 403
    assert response_headers[b"x-amzn-errortype"] == b"AccessDeniedException"
    assert json.loads(body)["Type"] == "User"


def test_without_configuration_a_machine_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_ALLOWED_HOSTS, raising=False)
    status, _, body = call(SameOriginGuard(_hello), host="devbox:5000")
    assert status == 403
    assert ENV_ALLOWED_HOSTS in json.loads(body)["message"]  # the refusal says how to allow the name


def test_non_http_scopes_pass_untouched() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    run(SameOriginGuard(app)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]
