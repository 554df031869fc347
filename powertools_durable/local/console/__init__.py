"""The emulator's web console: executions, a live timeline, answering callbacks, in the browser.

Served by ``powertools-durable local start`` at ``/`` on the emulator's own port. The page is
plain HTML, CSS and JavaScript shipped in this package (no build step, nothing fetched from the
network); it reads through the two JSON endpoints of :mod:`.api` and acts through the emulator's
AWS routes. Nothing here is imported by the engine.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from powertools_durable.local.console.api import ConsoleApi
from powertools_durable.local.executions import ExecutionService


def routes(service: ExecutionService, prefix: str) -> list[BaseRoute]:
    """The console's routes: the page at ``/``, its files and its JSON under ``{prefix}/console``."""
    api = ConsoleApi(service)
    base = f"{prefix}/console"
    return [
        Route("/", api.page, methods=["GET"]),
        Route(f"{base}/static/{{name}}", api.static, methods=["GET"]),
        Route(f"{base}/executions", api.executions, methods=["GET"]),
        Route(f"{base}/executions/{{arn:path}}", api.execution, methods=["GET"]),
    ]
