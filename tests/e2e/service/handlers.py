"""Durable handlers the service-side e2e tests run through the emulator (in-thread stand-in invoker)."""

from __future__ import annotations

import threading
from typing import Any

from powertools_durable import DurableContext, Duration, StepConfig
from powertools_durable.retries import RetryDecision
from tests.e2e.service.standin import Crash

calls: dict[str, int] = {}
release = threading.Event()


def _count(key: str) -> int:
    calls[key] = calls.get(key, 0) + 1
    return calls[key]


def step_wait_step(event: Any, ctx: DurableContext) -> str:
    first = ctx.step(lambda _: "fa", name="first")
    ctx.wait(Duration.from_seconds(1), name="pause")
    return ctx.step(lambda _: f"{first}-second", name="second")


def two_waits(event: Any, ctx: DurableContext) -> str:
    ctx.wait(Duration.from_seconds(1))
    ctx.wait(Duration.from_seconds(2))
    return "done"


def long_wait(event: Any, ctx: DurableContext) -> str:
    ctx.wait(Duration.from_seconds(3600), name="an-hour")
    return "woke"


def retry_then_succeed(event: Any, ctx: DurableContext) -> str:
    def flaky(_: Any) -> str:
        if _count(f"retry-{event['key']}") < 3:
            raise ValueError("not yet")
        return "finally"

    config = StepConfig(retry_strategy=lambda error, attempt: RetryDecision.retry(Duration.from_seconds(1)))
    return ctx.step(flaky, name="flaky", config=config)


def fails(event: Any, ctx: DurableContext) -> str:
    def boom(_: Any) -> str:
        raise RuntimeError("it broke")

    config = StepConfig(retry_strategy=lambda error, attempt: RetryDecision.no_retry())
    return ctx.step(boom, name="boom", config=config)


def crash_once(event: Any, ctx: DurableContext) -> str:
    ctx.step(lambda _: "before", name="before")
    if _count(f"crash-{event['key']}") == 1:
        raise Crash("the process exited")
    return "recovered"


def crash_always(event: Any, ctx: DurableContext) -> str:
    raise Crash("always exits")


def blocks(event: Any, ctx: DurableContext) -> str:
    ctx.step(lambda _: "started", name="started")
    release.wait(30)
    return "released"


def echo(event: Any, ctx: DurableContext) -> Any:
    return event


def awaits_callback(event: Any, ctx: DurableContext) -> Any:
    callback = ctx.create_callback(name="approval")
    return {"answer": callback.result()}


def invokes_echo(event: Any, ctx: DurableContext) -> Any:
    return ctx.invoke("Echo", event, name="call")


HANDLERS = {
    "StepWaitStep": step_wait_step,
    "TwoWaits": two_waits,
    "LongWait": long_wait,
    "RetrySucceeds": retry_then_succeed,
    "StepFails": fails,
    "CrashOnce": crash_once,
    "CrashAlways": crash_always,
    "Blocks": blocks,
    "AwaitsCallback": awaits_callback,
    "Echo": echo,
    "InvokesEcho": invokes_echo,
}
