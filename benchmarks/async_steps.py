"""Async handlers: ``python benchmarks/async_steps.py``.

1. Cost per step: one invocation running N sequential steps against the in-process fake, written as
   sync code (``context.step``) and as async code (``await context.step``) with a plain ``def`` body
   (run on a worker thread) and with an ``async def`` body (run on the loop: what running a sync body
   inline would cost); the difference is what the async API adds per step (the checkpoint call made
   from a sender thread, plus the body's thread hop for a ``def`` body); and the replay of 1,000
   stored steps, sync and async (a replayed step does no I/O and needs no thread).
2. ``asyncio.gather`` of 100 steps with a simulated 10 ms round trip, ``def`` and ``async def``
   bodies: wall time and checkpoint calls against the round-trip floor (one call: 100 STARTs and 100
   SUCCEEDs fit in one batch), next to the sync equivalent (``context.map`` of 100 one-step items at
   concurrency 100). Two floors are printed: the bare latency (10 ms), and the round trip as the
   service took it (the time inside the fake's call: the latency, ``time.sleep``'s overshoot and
   the fake's own work on the 200 updates, which a real service does on its side of the network).
   Beside them, the same shape in asyncio alone (no engine, no fake): the part of the ratio that is
   the event loop's and ``time.sleep``'s, before any durable work.

Prints, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fanout import LatentService  # noqa: E402
from fanout import run_once as run_map  # noqa: E402
from workloads import OURS, MeteredService, NullClient, recorded_envelope, steps_handler  # noqa: E402

from powertools_durable import durable_execution, durable_step  # noqa: E402


def sequential_handler(steps: int, client: Any, code: str) -> Any:
    """``steps`` sequential steps returning a small dict: sync code, or async with ``def`` / ``async def`` bodies."""
    if code == "sync":

        def sync_handler(event: Any, context: Any) -> int:
            for i in range(steps):
                context.step(lambda _, i=i: {"i": i}, name=f"step-{i}")
            return steps

        return durable_execution(sync_handler, boto3_client=client)

    async def loop_body(step_context: Any) -> dict[str, Any]:
        return {"i": step_context.attempt}

    async def async_handler(event: Any, context: Any) -> int:
        for i in range(steps):
            if code == "async, async def body":
                await context.step(loop_body, name=f"step-{i}")
            else:
                await context.step(lambda _, i=i: {"i": i}, name=f"step-{i}")
        return steps

    return durable_execution(async_handler, boto3_client=client)


def async_replay_handler(steps: int) -> Any:
    """``steps_handler``'s workload written as async code (the same step names, so it replays that history)."""

    @durable_step
    def work(step_context: Any, i: int) -> dict[str, Any]:
        return {"i": i, "ok": True, "label": "item"}

    async def handler(event: Any, context: Any) -> dict[str, int]:
        for i in range(steps):
            await context.step(work(i))
        return {"steps": steps}

    return durable_execution(handler, boto3_client=NullClient())


def replay_seconds(handler: Any, envelope: str) -> float:
    event = json.loads(envelope)
    gc.collect()
    start = time.perf_counter()
    output = handler(event, None)
    elapsed = time.perf_counter() - start
    assert output["Status"] == "SUCCEEDED", output
    return elapsed


def gather_handler(steps: int, client: Any, loop_bodies: bool = False) -> Any:
    async def loop_body(step_context: Any) -> int:
        return 1

    async def handler(event: Any, context: Any) -> int:
        if loop_bodies:
            calls = [context.step(loop_body, name=f"s{i}") for i in range(steps)]
        else:
            calls = [context.step(lambda _, i=i: i, name=f"s{i}") for i in range(steps)]
        return sum(await asyncio.gather(*calls))

    return durable_execution(handler, boto3_client=client)


def asyncio_alone(steps: int, latency: float) -> float:
    """Wall seconds of the same shape without the engine or the fake: what asyncio itself costs.

    A new loop, ``steps`` gathered tasks awaiting one future, and a task making one blocking call of
    ``latency`` seconds on the loop (as the commit does when every task waits for it), then resolving it.
    """
    gc.collect()
    start = time.perf_counter()
    loop = asyncio.new_event_loop()

    async def main() -> int:
        acknowledged = loop.create_future()

        async def step(i: int) -> int:
            await acknowledged
            return 1

        async def call() -> None:
            time.sleep(latency)
            acknowledged.set_result(None)

        gathered = asyncio.gather(*(step(i) for i in range(steps)))
        caller = loop.create_task(call())
        total = sum(await gathered)
        await caller
        return total

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    return time.perf_counter() - start


def run(handler_factory: Any, latency: float) -> tuple[float, int, float]:
    """Wall seconds, checkpoint calls and seconds inside the fake of one invocation."""
    service = LatentService(latency)
    service.start({})
    meter = MeteredService(service)
    handler = handler_factory(meter)
    event = service.envelope()
    gc.collect()
    start = time.perf_counter()
    output = handler(event, None)
    elapsed = time.perf_counter() - start
    assert output["Status"] == "SUCCEEDED", output
    return elapsed, meter.checkpoint_calls, meter.fake_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; median of {args.repeat} runs")

    print(f"\n{args.steps} sequential steps, in-process fake (engine time, the fake's own excluded)")
    print(f"{'code':>24} {'us/step':>9} {'calls':>6}")
    per_step: dict[str, float] = {}
    for code in ("sync", "async, def body", "async, async def body"):
        runs = [run(lambda client, c=code: sequential_handler(args.steps, client, c), 0.0) for _ in range(args.repeat)]
        per_step[code] = statistics.median((wall - fake) / args.steps for wall, _, fake in runs) * 1e6
        print(f"{code:>24} {per_step[code]:>9.1f} {runs[-1][1]:>6}")
    for code in ("async, def body", "async, async def body"):
        print(f"{code} adds {per_step[code] - per_step['sync']:.1f} us per step")

    replayed = 1000
    envelope = recorded_envelope(replayed)
    sync_replay = statistics.median(
        replay_seconds(steps_handler(OURS, replayed, NullClient()), envelope) for _ in range(args.repeat)
    )
    async_replay = statistics.median(
        replay_seconds(async_replay_handler(replayed), envelope) for _ in range(args.repeat)
    )
    print(f"\nreplay of {replayed} stored steps (no service call): sync {sync_replay * 1000:.1f} ms, ", end="")
    print(f"async {async_replay * 1000:.1f} ms")

    latency = args.latency_ms / 1000
    print(f"\n100 steps at once, {args.latency_ms:.0f} ms round trip (floor: one call)")
    print(f"{'workload':>34} {'wall ms':>9} {'calls':>6} {'x latency':>10} {'service ms':>11} {'x round trip':>13}")
    for label, loop_bodies in (("gather of 100 steps, def bodies", False), ("gather of 100, async def bodies", True)):
        gathered = [
            run(lambda client, b=loop_bodies: gather_handler(100, client, b), latency) for _ in range(args.repeat)
        ]
        wall = statistics.median(r[0] for r in gathered)
        calls = statistics.median(r[1] for r in gathered)
        service = statistics.median(r[2] for r in gathered)
        ratio = statistics.median(r[0] / r[2] for r in gathered)
        figures = f"{wall * 1000:>9.1f} {calls:>6.0f} {wall / latency:>10.2f} {service * 1000:>11.2f} {ratio:>13.2f}"
        print(f"{label:>34} {figures}")
    alone = statistics.median(asyncio_alone(100, latency) for _ in range(args.repeat))
    print(f"{'asyncio alone (no engine, no fake)':>34} {alone * 1000:>9.1f} {'':>6} {alone / latency:>10.2f}")
    mapped = [run_map(OURS, 100, 100, latency) for _ in range(args.repeat)]
    wall = statistics.median(r[0] for r in mapped)
    print(f"{'sync map of 100 (concurrency 100)':>34} {wall * 1000:>9.1f} {mapped[-1][1]:>6} {wall / latency:>10.2f}")


if __name__ == "__main__":
    main()
