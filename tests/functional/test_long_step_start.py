"""A long step's START is sent while its body runs; a fast step still costs one checkpoint call."""

from __future__ import annotations

import asyncio
import threading

import pytest

from powertools_durable import DurableContext, StepContext
from powertools_durable.aio import AsyncDurableContext
from powertools_durable.local.memory import InMemoryDurableService
from powertools_durable.replay.start_watch import ENV_STEP_START_AFTER_MS

from .conftest import bind, invoke, step_update


def starts_seen_by(service: InMemoryDurableService) -> threading.Event:
    """An event set once the service has recorded a call carrying a START."""
    seen = threading.Event()
    real_checkpoint = service.checkpoint

    def checkpoint(arn, token, updates):
        answer = real_checkpoint(arn, token, updates)
        if any(u["Action"] == "START" for u in updates):
            seen.set()
        return answer

    service.checkpoint = checkpoint  # type: ignore[method-assign]
    return seen


def test_a_long_step_start_is_checkpointed_while_the_body_runs(
    service: InMemoryDurableService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the default window (5 ms), and a step whose body waits until the service has seen its START
    monkeypatch.delenv(ENV_STEP_START_AFTER_MS)
    started_seen = starts_seen_by(service)
    seen_in_body: list[bool] = []

    def body(step: StepContext) -> str:
        seen_in_body.append(started_seen.wait(5))
        return "done"

    @bind(service)
    def handler(event, context: DurableContext):
        return context.step(body, name="long")

    service.start({})
    # WHEN it runs
    assert invoke(handler, service) == {"Status": "SUCCEEDED", "Result": '"done"'}
    # THEN the START went out alone, before the body returned, and the outcome in a second call
    assert seen_in_body == [True]
    assert [c.updates for c in service.calls] == [
        [step_update(1, "START", "long")],
        [step_update(1, "SUCCEED", "long", Payload='"done"')],
    ]


def test_fast_steps_cost_one_call_each(service: InMemoryDurableService, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN steps faster than the window (a long window, so a loaded machine cannot make one "slow")
    monkeypatch.setenv(ENV_STEP_START_AFTER_MS, "60000")

    @bind(service)
    def handler(event, context: DurableContext):
        return [context.step(lambda _, n=n: n, name=f"s{n}") for n in range(20)]

    service.start({})
    assert invoke(handler, service)["Status"] == "SUCCEEDED"
    # THEN each START rode with its outcome: one call per step
    assert [[u["Action"] for u in c.updates] for c in service.calls] == [["START", "SUCCEED"]] * 20
    assert sum(len(c.updates) for c in service.calls) == 40


def test_a_negative_window_turns_the_background_start_off(
    service: InMemoryDurableService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_STEP_START_AFTER_MS, "-1")
    release = threading.Event()
    timer = threading.Timer(0.05, release.set)
    timer.start()

    @bind(service)
    def handler(event, context: DurableContext):
        return context.step(lambda _: release.wait(5), name="slow")

    service.start({})
    assert invoke(handler, service) == {"Status": "SUCCEEDED", "Result": "true"}
    assert [[u["Action"] for u in c.updates] for c in service.calls] == [["START", "SUCCEED"]]


def test_a_long_async_step_start_is_checkpointed_while_its_body_runs_on_the_loop(
    service: InMemoryDurableService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the default window, and an async def body (on the loop) that waits until the service saw its START
    monkeypatch.delenv(ENV_STEP_START_AFTER_MS)
    started_seen = starts_seen_by(service)
    seen_in_body: list[bool] = []

    async def body(step: StepContext) -> str:
        seen_in_body.append(await asyncio.to_thread(started_seen.wait, 5))
        return "done"

    @bind(service)
    async def handler(event, context: AsyncDurableContext):
        return await context.step(body, name="long")

    service.start({})
    # WHEN it runs
    assert invoke(handler, service) == {"Status": "SUCCEEDED", "Result": '"done"'}
    # THEN the START went out alone while the body ran, and the outcome in a second call
    assert seen_in_body == [True]
    assert [c.updates for c in service.calls] == [
        [step_update(1, "START", "long")],
        [step_update(1, "SUCCEED", "long", Payload='"done"')],
    ]


@pytest.mark.parametrize("window_ms", ["60000", "-1"])
def test_async_steps_faster_than_the_window_or_unwatched_send_their_start_with_the_outcome(
    service: InMemoryDurableService, monkeypatch: pytest.MonkeyPatch, window_ms: str
) -> None:
    # GIVEN a long window (a loaded machine cannot make a step "slow"), or the watch turned off
    monkeypatch.setenv(ENV_STEP_START_AFTER_MS, window_ms)

    async def body(step: StepContext) -> int:
        await asyncio.sleep(0.02 if window_ms == "-1" else 0)  # longer than the default window, when unwatched
        return step.attempt

    @bind(service)
    async def handler(event, context: AsyncDurableContext):
        return [await context.step(body, name=f"s{n}") for n in range(5)]

    service.start({})
    assert invoke(handler, service)["Status"] == "SUCCEEDED"
    # THEN each START rode with its outcome: one call per step
    assert [[u["Action"] for u in c.updates] for c in service.calls] == [["START", "SUCCEED"]] * 5
