"""The same-origin guard's decision, header by header (local/origin.py)."""

from __future__ import annotations

import pytest

from powertools_durable.local.origin import is_local_name, refusal, split_host


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
