"""Fan-out figures: a map of N one-step items, this engine against the official SDK, same process.

Each run is one invocation against the in-memory service (through a boto3-shaped adapter for the
official SDK); ``--latency-ms`` makes every checkpoint call sleep that long first (a simulated round
trip). Prints, per configuration, wall time, checkpoint calls and bytes sent, and the round-trip
floor ceil(items / concurrency) * latency. Figures only: nothing here asserts on time.

    python benchmarks/fanout.py [--items 1000] [--concurrency 10 100] [--latency-ms 0 10]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

from powertools_durable.local.memory import InMemoryDurableService


class Metered:
    """The in-memory service, counting checkpoint calls and bytes, each call after ``latency`` seconds."""

    def __init__(self, latency: float) -> None:
        self.service = InMemoryDurableService()
        self.latency = latency
        self.calls = 0
        self.bytes = 0

    def checkpoint(self, arn: str, token: str, updates: list[dict[str, Any]]) -> dict[str, Any]:
        if self.latency:
            time.sleep(self.latency)
        self.calls += 1
        self.bytes += len(json.dumps(updates))
        return self.service.checkpoint(arn, token, updates)

    def get_execution_state(self, arn: str, token: str, marker: str, max_items: int = 1000) -> dict[str, Any]:
        return self.service.get_execution_state(arn, token, marker, max_items)

    # boto3 shape, for the official SDK
    def checkpoint_durable_execution(self, **kwargs: Any) -> dict[str, Any]:
        return self.checkpoint(kwargs["DurableExecutionArn"], kwargs["CheckpointToken"], kwargs["Updates"])

    def get_durable_execution_state(self, **kwargs: Any) -> dict[str, Any]:
        return self.get_execution_state(
            kwargs["DurableExecutionArn"], kwargs["CheckpointToken"], kwargs["Marker"], kwargs.get("MaxItems", 1000)
        )


def run(sdk_name: str, items: int, concurrency: int, latency: float) -> dict[str, Any]:
    metered = Metered(latency)
    if sdk_name == "ours":
        import powertools_durable as sdk
        from powertools_durable import MapConfig
    else:
        import aws_durable_execution_sdk_python as sdk
        from aws_durable_execution_sdk_python.config import MapConfig

    @sdk.durable_execution(boto3_client=metered)
    def handler(event: Any, context: Any) -> int:
        result = context.map(
            list(range(items)),
            lambda ctx, item, index, all_items: ctx.step(lambda _: item * 2, name="double"),
            config=MapConfig(max_concurrency=concurrency),
        )
        return int(result.success_count)

    metered.service.start({})
    started = time.perf_counter()
    output = handler(metered.service.envelope(), None)
    wall = time.perf_counter() - started
    assert output == {"Status": "SUCCEEDED", "Result": str(items)}, output
    return {"wall_s": round(wall, 3), "calls": metered.calls, "kib": round(metered.bytes / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 10.0])
    args = parser.parse_args()
    columns = ["items", "concurrency", "latency", "floor", "ours wall", "official wall", "ratio"]
    print("| " + " | ".join([*columns, "ours calls / KiB", "official calls / KiB"]) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for latency_ms in args.latency_ms:
        for concurrency in args.concurrency:
            floor = math.ceil(args.items / concurrency) * latency_ms / 1000
            ours = run("ours", args.items, concurrency, latency_ms / 1000)
            official = run("official", args.items, concurrency, latency_ms / 1000)
            print(
                f"| {args.items} | {concurrency} | {latency_ms:g} ms | {floor:.2f} s | {ours['wall_s']} s "
                f"| {official['wall_s']} s | {ours['wall_s'] / official['wall_s']:.2f} "
                f"| {ours['calls']} / {ours['kib']} | {official['calls']} / {official['kib']} |"
            )


if __name__ == "__main__":
    main()
