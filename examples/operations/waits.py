"""Waits: suspend the execution without compute; the service invokes the function again when it is over."""

from __future__ import annotations

from powertools_durable import DurableContext, Duration, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    context.step(lambda _: "sent", name="send-reminder")
    context.wait(Duration.from_days(3), name="grace-period")  # from_seconds / from_minutes / from_hours too
    return context.step(lambda _: "closed", name="close-account")
