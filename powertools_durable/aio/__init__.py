"""Async handlers: ``async def handler(event, context: AsyncDurableContext)`` (imported only when one runs)."""

from powertools_durable.aio.context import AsyncCallback, AsyncDurableContext
from powertools_durable.aio.runner import run_async_handler

__all__ = ["AsyncCallback", "AsyncDurableContext", "run_async_handler"]
