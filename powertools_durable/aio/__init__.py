"""Async handlers: ``async def handler(event, context: AsyncDurableContext)`` (imported only when one runs)."""

from powertools_durable.aio.context import AsyncCallback, AsyncDurableContext, get_async_durable_context
from powertools_durable.aio.runner import run_async_handler

__all__ = ["AsyncCallback", "AsyncDurableContext", "get_async_durable_context", "run_async_handler"]
