"""The console's page and its two read endpoints (JSON, under the emulator's own prefix).

Reads only: every action the page takes (start, stop, answer a callback) is a call to the
emulator's AWS routes, exactly as boto3 would make it. The page itself is four files shipped in
the package (``static/``), served with a Content-Security-Policy that allows nothing but this
origin's own scripts and styles and forbids framing: a payload that slipped past the page's
escaping could still run no script, and no other site can overlay the console's buttons.
"""

from __future__ import annotations

from importlib import resources

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from powertools_durable.local import arns
from powertools_durable.local.console.model import build
from powertools_durable.local.errors import ServiceError
from powertools_durable.local.executions import ExecutionService
from powertools_durable.service.wire import WireDict

LIST_LIMIT = 500  # newest first; the page polls this every second
_HISTORY_PAGE = 1000
_ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "timeline.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _error(exc: ServiceError) -> Response:
    return JSONResponse(
        {"Type": exc.kind, "message": exc.message}, status_code=exc.status, headers={"x-amzn-ErrorType": exc.code}
    )


class ConsoleApi:
    """The console's handlers over one :class:`ExecutionService`."""

    def __init__(self, service: ExecutionService) -> None:
        self.service = service
        self._assets: dict[str, bytes] = {}

    def asset(self, name: str) -> Response:
        if name not in _ASSETS:
            return Response("not found", status_code=404, media_type="text/plain")
        if name not in self._assets:
            self._assets[name] = resources.files(__package__).joinpath("static", name).read_bytes()
        return Response(self._assets[name], media_type=_ASSETS[name], headers=SECURITY_HEADERS)

    async def page(self, request: Request) -> Response:
        return self.asset("index.html")

    async def static(self, request: Request) -> Response:
        return self.asset(request.path_params["name"])

    async def executions(self, request: Request) -> Response:
        """Every execution (newest first, at most LIST_LIMIT), filtered by ``function`` and ``status``."""
        function = request.query_params.get("function") or None
        status = request.query_params.get("status") or None
        return JSONResponse(await run_in_threadpool(self._summaries, function, status), headers=SECURITY_HEADERS)

    def _summaries(self, function: str | None, status: str | None) -> WireDict:
        records = sorted(
            self.service.store.executions(function, status), key=lambda r: (r.start_ms, r.arn), reverse=True
        )
        return {
            "Executions": [
                {
                    "arn": r.arn,
                    "name": r.name,
                    "function": r.function_name,
                    "qualifier": r.qualifier,
                    "status": r.status,
                    "start": r.start_ms / 1000,
                    "end": r.end_ms / 1000 if r.end_ms is not None else None,
                }
                for r in records[:LIST_LIMIT]
            ],
            "total": len(records),
            "now": self.service.clock.now_ms() / 1000,
        }

    async def execution(self, request: Request) -> Response:
        """One execution: DescribeDurableExecution, its whole history, and the timeline model."""
        arn = request.path_params["arn"]
        try:
            body = await run_in_threadpool(self._execution, arn)
        except ServiceError as exc:
            return _error(exc)
        return JSONResponse(body, headers=SECURITY_HEADERS)

    def _execution(self, arn: str) -> WireDict:
        execution = self.service.describe(arn)
        events: list[WireDict] = []
        marker: str | None = None
        while True:
            page = self.service.history(arn, include_data=True, marker=marker, max_items=_HISTORY_PAGE, reverse=False)
            events.extend(page["Events"])
            marker = page.get("NextMarker")
            if not marker:
                break
        function = arns.parse_function(str(execution.get("FunctionArn", "")))
        now = self.service.clock.now_ms() / 1000
        return {
            "execution": execution,
            "function": function.name if function else None,
            "now": now,
            "timeline": build(events, self.service.logs(arn), now),
            "events": events,
        }
