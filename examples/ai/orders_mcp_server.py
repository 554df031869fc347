from mcp.server.mcpserver import MCPServer

server = MCPServer("orders")


@server.tool()
def track(order_id: str) -> str:
    """Where an order is now."""
    return f"{order_id}: in transit"


if __name__ == "__main__":
    server.run()  # over stdio
