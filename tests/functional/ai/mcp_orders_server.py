"""A local MCP server over stdio for the toolset tests (no network): ``track(order_id)``.

Each start and each tool call is appended to the file named by ``MCP_CALL_LOG``, so a test can tell
whether a replay started the server or called its tool.
"""

from __future__ import annotations

import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("orders")


def _log(line: str) -> None:
    path = os.environ.get("MCP_CALL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")


@server.tool()
def track(order_id: str) -> str:
    """Where an order is now."""
    _log(f"track:{order_id}")
    return f"{order_id}: in transit"


if __name__ == "__main__":
    _log("start")
    server.run()
