"""Fan-out: ``context.map`` of N one-step items, ours vs AWS's official SDK, same run: ``python benchmarks/fanout.py``.

For each concurrency (10, 100) and service round trip (in-process, and a simulated 10 ms), both SDKs
run the same handler source against the same in-process fake service; the figures are wall time of
one whole invocation, checkpoint calls and request bytes, the ratio to the official SDK, and (with a
round trip) the ratio to the round-trip floor ``ceil(items / concurrency) x latency``: what N items
cost when each wave of ``concurrency`` items needs at least one round trip. Prints, never asserts.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import math
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import LABELS, OFFICIAL, OURS, MeteredService, official_available  # noqa: E402

from powertools_durable.local.memory import InMemoryDurableService  # noqa: E402


class LatentService(InMemoryDurableService):
    """The in-memory fake, answering each call after ``latency`` seconds (a network round trip).

    Calls are serialised as the real service serialises one execution's checkpoints (token chaining).
    """

    def __init__(self, latency: float) -> None:
        super().__init__(page_size=100_000)
        self.latency = latency
        self._lock = threading.Lock()

    def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            return super().checkpoint(*args, **kwargs)


def map_config(sdk: str) -> Any:
    """``MapConfig``: top-level in ours, in ``config`` in the official SDK."""
    module = importlib.import_module(f"{sdk}.config" if sdk == OFFICIAL else sdk)
    return module.MapConfig


def map_handler(sdk: str, items: int, concurrency: int, client: Any) -> Any:
    """``context.map`` over ``items`` integers, each iteration one step, written against ``sdk``."""
    module = importlib.import_module(sdk)

    def iteration(ctx: Any, item: int, index: int, inputs: list[int]) -> int:
        return int(ctx.step(lambda _: item * 2, name="double"))

    @module.durable_execution(boto3_client=client)  # type: ignore[untyped-decorator]
    def handler(event: Any, context: Any) -> int:
        result = context.map(
            list(range(items)), iteration, name="fanout", config=map_config(sdk)(max_concurrency=concurrency)
        )
        return sum(result.get_results())

    return handler


def run_once(sdk: str, items: int, concurrency: int, latency: float) -> tuple[float, int, int]:
    """Wall seconds, checkpoint calls and request bytes of one invocation running the whole map."""
    service = LatentService(latency)
    service.start({})
    meter = MeteredService(service, measure_bytes=True)
    handler = map_handler(sdk, items, concurrency, meter)
    event = service.envelope()
    gc.collect()
    start = time.perf_counter()
    output = handler(event, None)
    elapsed = time.perf_counter() - start
    assert output["Status"] == "SUCCEEDED", output
    assert int(output["Result"]) == items * (items - 1), output
    return elapsed, meter.checkpoint_calls, meter.request_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--only", choices=(OURS, OFFICIAL), help="run one SDK only")
    args = parser.parse_args()
    sdks = [sdk for sdk in (OURS, OFFICIAL) if sdk != OFFICIAL or official_available()]
    if args.only:
        sdks = [sdk for sdk in sdks if sdk == args.only]
    if not hasattr(importlib.import_module(OURS).DurableContext, "map"):
        print("powertools-durable has no context.map in this checkout; measuring the official SDK alone")
        sdks = [sdk for sdk in sdks if sdk != OURS]
    print(f"map of {args.items} one-step items; median of {args.repeat} runs; python {sys.version.split()[0]}")
    header = (
        f"{'concurrency':>11} {'round trip':>10} {'sdk':>19} {'wall ms':>9} {'calls':>6} {'KiB':>8} "
        f"{'x official':>10} {'x floor':>8}"
    )
    print(header)
    for concurrency in (10, 100):
        for latency in (0.0, args.latency_ms / 1000):
            figures: dict[str, tuple[float, int, int]] = {}
            for sdk in sdks:
                runs = [run_once(sdk, args.items, concurrency, latency) for _ in range(args.repeat)]
                wall = statistics.median(r[0] for r in runs)
                figures[sdk] = (wall, runs[-1][1], runs[-1][2])
            floor = math.ceil(args.items / concurrency) * latency
            for sdk in sdks:
                wall, calls, size = figures[sdk]
                versus = f"{wall / figures[OFFICIAL][0]:.2f}" if OFFICIAL in figures else "-"
                over_floor = f"{wall / floor:.2f}" if floor else "-"
                print(
                    f"{concurrency:>11} {latency * 1000:>8.0f}ms {LABELS[sdk]:>19} {wall * 1000:>9.1f} "
                    f"{calls:>6} {size / 1024:>8.1f} {versus:>10} {over_floor:>8}"
                )


if __name__ == "__main__":
    main()
