"""Cross-origin browser requests are refused on every route; boto3 and the AWS CLI keep working.

Through the real emulator's HTTP server: raw requests with the headers a browser would send
(``Origin``, ``Sec-Fetch-Site``, a rebound ``Host``), and in Chromium itself: a page of another
origin firing at the emulator, and a DNS-rebinding name mapped to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.console.conftest import REBOUND_NAME

pytestmark = pytest.mark.e2e

INVOKE = "/2015-03-31/functions/Echo/invocations"


def request(emulator: LocalEmulator, method: str, path: str, headers: dict[str, str], body: str = "") -> Any:
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=30)
    connection.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
    for name, value in {"Content-Length": str(len(body)), **headers}.items():
        connection.putheader(name, value)
    connection.endheaders(body.encode())
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, response.getheader("x-amzn-ErrorType"), json.loads(payload) if payload else None


def echo_count(emulator: LocalEmulator) -> int:
    return len(emulator.service.list_executions("Echo", max_items=1000)["DurableExecutions"])


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost:1"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
        {"Host": "rebound.evil.example"},
    ],
    ids=["other-origin", "null-origin", "other-port", "sec-fetch-cross-site", "dns-rebinding-host"],
)
def test_cross_origin_requests_are_refused_on_aws_and_console_routes(
    console_emulator: LocalEmulator, headers: dict[str, str]
) -> None:
    # GIVEN how many Echo executions there are
    before = echo_count(console_emulator)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:Echo:$LATEST/durable-execution/x/y"
    callback = "/2025-12-01/durable-execution-callbacks/" + quote("eyJhIjoxfQ") + "/succeed"
    routes = [
        ("POST", INVOKE),
        ("POST", callback),
        ("POST", f"/2025-12-01/durable-executions/{quote(arn, safe='')}/stop"),
        ("GET", "/2015-03-31/functions/"),
        ("GET", "/"),
        ("GET", "/-/local/console/executions"),
    ]
    for method, path in routes:
        # WHEN a browser-like request comes from elsewhere
        status, code, body = request(console_emulator, method, path, headers, "{}" if method == "POST" else "")
        # THEN it is refused in AWS's error shape, before any route runs
        assert (status, code) == (403, "AccessDeniedException"), (method, path, status, body)
        assert body["Type"] == "User"
        assert body["message"]
    assert echo_count(console_emulator) == before  # the refused invoke started nothing


def test_same_origin_and_tool_requests_pass(console_emulator: LocalEmulator) -> None:
    own = f"{console_emulator.host}:{console_emulator.port}"
    for headers in (
        {},  # boto3, the AWS CLI, SAM CLI: no Origin
        {"Origin": f"http://{own}", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},
        {"Host": f"localhost:{console_emulator.port}", "Origin": f"http://localhost:{console_emulator.port}"},
        {"Host": f"[::1]:{console_emulator.port}"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},  # a link
    ):
        status, _, _ = request(console_emulator, "GET", "/2015-03-31/functions/", headers)
        assert status == 200, headers
    status, _, _ = request(console_emulator, "POST", INVOKE, {"Origin": f"http://{own}"}, "{}")
    assert status == 200


def test_boto3_and_the_aws_cli_keep_working(console_emulator: LocalEmulator) -> None:
    client = console_emulator.client()
    response = client.invoke(FunctionName="Echo", Payload=b'{"from": "boto3"}')
    assert json.loads(response["Payload"].read()) == {"from": "boto3"}
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    aws = [sys.executable, "-m", "awscli", "lambda", "list-functions", "--endpoint-url", console_emulator.endpoint_url]
    listed = json.loads(subprocess.run(aws, env=env, capture_output=True, text=True, check=True).stdout)
    assert "Echo" in {f["FunctionName"] for f in listed["Functions"]}

    # a refused request surfaces in boto3 as the AWS error code
    def from_a_web_page(request: Any, **_: Any) -> None:
        request.headers["Origin"] = "https://evil.example"

    client.meta.events.register("before-sign.lambda.*", from_a_web_page)
    with pytest.raises(ClientError) as refused:
        client.list_functions()
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


def test_console_page_forbids_framing_and_loads_nothing_from_the_network(console_emulator: LocalEmulator) -> None:
    for path in ("/", *(f"/-/local/console/static/{name}" for name in ("console.js", "timeline.js", "console.css"))):
        connection = http.client.HTTPConnection(console_emulator.host, console_emulator.port, timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        assert response.status == 200, path
        policy = response.getheader("Content-Security-Policy")
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert response.getheader("X-Frame-Options") == "DENY"
        assert "http://" not in text, path  # no CDN, no font, nothing fetched from elsewhere
        assert "https://" not in text, path


def test_a_page_elsewhere_cannot_drive_the_emulator_in_chromium(page: Any, console_emulator: LocalEmulator) -> None:
    port = console_emulator.port
    before = echo_count(console_emulator)
    # GIVEN a page of another origin (to a browser, localhost is not 127.0.0.1)
    page.goto(f"http://localhost:{port}/")
    # WHEN it fires invokes at the emulator, one it cannot read and one it could if CORS allowed
    fired = page.evaluate(
        """async (url) => {
            try { await fetch(url, {method: "POST", body: "{}", mode: "no-cors"}); } catch (e) {}
            return await fetch(url, {method: "POST", body: "{}"}).then((r) => r.status, () => "blocked");
        }""",
        f"http://127.0.0.1:{port}{INVOKE}",
    )
    # AND a DNS-rebinding page (its own name, resolved to 127.0.0.1) loads the console
    rebound = page.goto(f"http://{REBOUND_NAME}:{port}/")
    # THEN nothing was invoked (no CORS headers: the page cannot even read the refusal)
    assert fired == "blocked"
    assert echo_count(console_emulator) == before
    # AND the rebound name got AWS's 403
    assert rebound.status == 403
    assert json.loads(rebound.text())["message"].startswith(f"Host '{REBOUND_NAME}")
