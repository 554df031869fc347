"""Fuzzing every route of the emulator's HTTP server, through uvicorn as boto3 talks to it.

The routes come from the server's route table, so a new route is fuzzed without touching this file.
Each request carries at least one defect AWS would refuse (see :mod:`tests.e2e.service.fuzz`).
Whatever it is, the answer is a 4xx in AWS's error shape (``x-amzn-ErrorType``, a JSON body of
``Type`` and ``message``), never Python's error text; the store is unchanged; the server's
catch-all (its own fault, a 500) never runs; and a valid call still works afterwards.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import time
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from powertools_durable.local import console
from powertools_durable.local.arns import callback_id, function_arn
from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.server import LOCAL_PREFIX, ROUTES
from tests.e2e.service import handlers
from tests.e2e.service.fuzz import Request, World, invalid_request

pytestmark = pytest.mark.e2e

EXAMPLES_PER_ROUTE = 50


def _snapshot(emulator: LocalEmulator) -> list[Any]:
    records = sorted(emulator.store.executions(), key=lambda r: r.arn)
    return [(r, emulator.store.operations(r.arn), emulator.store.events(r.arn)) for r in records]


def _send(emulator: LocalEmulator, request: Request) -> tuple[int, dict[str, str], bytes]:
    url = urllib.parse.urlsplit(emulator.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        connection.request(request.method, request.target(), body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture
def world(make_emulator: Any) -> tuple[LocalEmulator, World]:
    """The emulator with one finished and one running (held) execution, their ARNs and function names."""
    emulator = make_emulator(time_scale=1)
    done = emulator.run("Echo", {"x": 1}).arn
    handlers.release.clear()
    running = emulator.invoke("Blocks")
    deadline = time.monotonic() + 10
    while len(emulator.store.events(running)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    functions = ("Echo", "Blocks", "NoSuchFunction", function_arn("Echo"), "Echo:live")
    arns = (running, done, running + "-missing")
    return emulator, World(functions, arns, (callback_id(running, "no-such-op"), callback_id(done, "x"), "bm9wZQ"))


# a route without any input (GET /-/local/clock) has no invalid request to send
FUZZED = [(m, p, o) for m, p, o, _ in ROUTES if o is not None or "{" in p]


@pytest.mark.parametrize(("method", "path", "operation"), FUZZED, ids=str)
def test_invalid_requests_get_a_4xx_in_aws_shape_and_change_nothing(
    world: tuple[LocalEmulator, World], caplog: pytest.LogCaptureFixture, method: str, path: str, operation: str | None
) -> None:
    emulator, resources = world
    before = _snapshot(emulator)
    caplog.set_level(logging.ERROR, logger="powertools_durable.local.server")

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        database=None,
    )
    @given(request=invalid_request(method, path, operation, resources))
    def one(request: Request) -> None:
        # WHEN the request is sent as it is
        status, headers, body = _send(emulator, request)
        # THEN a 4xx in AWS's error shape, no Python error text, nothing written
        context = f"{request.method} {request.target()[:200]} ({request.defect}) -> {status} {body[:300]!r}"
        assert 400 <= status < 500, context
        assert headers.get("x-amzn-errortype"), context
        answer = json.loads(body)
        assert set(answer) == {"Type", "message"}, context
        assert answer["Type"] == "User", context
        assert b"Traceback" not in body, context
        assert b'File "' not in body, context
        assert _snapshot(emulator) == before, context

    one()
    # AND the server's fault path never ran, and a valid call still works
    assert not [r for r in caplog.records if r.name == "powertools_durable.local.server"]
    assert emulator.client().get_durable_execution(DurableExecutionArn=resources.arns[1])["Status"] == "SUCCEEDED"
    handlers.release.set()
    assert emulator.wait(resources.arns[0], 10).status == "SUCCEEDED"


def _route_pattern(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"{\w+:path}", ".+", re.escape(path).replace("\\{", "{").replace("\\}", "}"))
    return re.compile(re.sub(r"{\w+}", "[^/]+", pattern))


# The AWS routes and the console's (its page at "/", its JSON under the emulator's own prefix).
CONSOLE_PATHS = [route.path for route in console.routes(None, LOCAL_PREFIX)]  # type: ignore[arg-type, attr-defined]
ROUTE_PATTERNS = [_route_pattern(path) for path in [*(path for _, path, _, _ in ROUTES), *CONSOLE_PATHS]]


def test_paths_of_no_route_get_aws_unknown_operation(world: tuple[LocalEmulator, World]) -> None:
    emulator, _ = world
    before = _snapshot(emulator)
    segments = st.lists(st.text(max_size=30).map(lambda t: urllib.parse.quote(t, safe="")), min_size=1, max_size=6)

    @settings(max_examples=100, deadline=None, database=None)
    @given(
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
        path=st.one_of(
            segments.map(lambda parts: "/" + "/".join(parts)),
            segments.map(lambda parts: "/2025-12-01/" + "/".join(parts)),
        ),
        body=st.binary(max_size=100),
    )
    def one(method: str, path: str, body: bytes) -> None:
        decoded = urllib.parse.unquote(path)
        assume(not any(pattern.fullmatch(decoded) for pattern in ROUTE_PATTERNS))
        status, headers, raw = _send(emulator, Request(method, path, body=body))
        assert status == 404, (method, path, status, raw)
        assert headers["x-amzn-errortype"] == "UnknownOperationException"
        assert set(json.loads(raw)) == {"Type", "message"}

    one()
    assert _snapshot(emulator) == before
    handlers.release.set()


def test_a_route_called_with_another_method_gets_aws_unknown_operation(world: tuple[LocalEmulator, World]) -> None:
    emulator, _ = world
    for _, path, _, _ in ROUTES:
        concrete = re.sub(r"{\w+(?::path)?}", "x", path)
        status, headers, raw = _send(emulator, Request("PUT", concrete))
        assert (status, headers["x-amzn-errortype"]) == (405, "UnknownOperationException"), (path, raw)
        assert set(json.loads(raw)) == {"Type", "message"}
    handlers.release.set()
