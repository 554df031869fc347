"""Load test of the local emulator: ``python benchmarks/emulator_load.py [--executions N] [--clients C] [--steps S]``.

N (default 5,000) executions of an S-step function (default 5; one invocation each, S
checkpoints) from C (default 50) concurrent raw-HTTP clients (Invoke RequestResponse, which
returns when the execution has ended) against the real server (``powertools-durable local
start`` in a subprocess, SQLite store file). Then every execution's history is read back and
checked exactly: one ``ExecutionStarted``, one ``StepSucceeded`` per step and no other step
event than one ``StepStarted`` each, one ``ExecutionSucceeded``, and the right result.

Prints executions/s, p50/p99 Invoke latency and the server process's RSS before and after;
exits 1 if any history is wrong. Figures only: nothing here is timed in CI.
"""

from __future__ import annotations

import argparse
import collections
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from emulator_server import EmulatorProcess, LambdaHttp, machine


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def check_history(events: list[dict[str, Any]], steps: int) -> list[str]:
    """What is wrong with one execution's history (empty: exact)."""
    kinds = collections.Counter(e["EventType"] for e in events)
    problems = []
    expected = {
        "ExecutionStarted": 1,
        "ExecutionSucceeded": 1,
        "StepStarted": steps,
        "StepSucceeded": steps,
        "InvocationCompleted": 1,
    }
    for kind, count in expected.items():
        if kinds[kind] != count:
            problems.append(f"{kinds[kind]} {kind} instead of {count}")
    unexpected = set(kinds) - set(expected)
    if unexpected:
        problems.append(f"unexpected events {sorted(unexpected)}")
    succeeded = collections.Counter(e.get("Name") for e in events if e["EventType"] == "StepSucceeded")
    for i in range(steps):
        if succeeded[f"step-{i}"] != 1:
            problems.append(f"step-{i} succeeded {succeeded[f'step-{i}']} times")
    if [e["EventId"] for e in events] != list(range(1, len(events) + 1)):
        problems.append("event ids are not 1..n")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    print(f"{args.executions} executions of a {args.steps}-step function, {args.clients} concurrent clients")
    expected_total = sum(range(1, args.steps + 1))
    with EmulatorProcess() as emulator:
        local = threading.local()

        def client() -> LambdaHttp:
            if not hasattr(local, "client"):
                local.client = LambdaHttp(emulator.port)
            found: LambdaHttp = local.client
            return found

        finished = [0]
        guard = threading.Lock()

        def one(i: int) -> tuple[str, float]:
            began = time.perf_counter()
            arn, result = client().invoke("Steps", {"steps": args.steps, "i": i})
            if result != {"total": expected_total}:
                raise RuntimeError(f"execution {arn} returned {result}")
            with guard:
                finished[0] += 1
                if finished[0] % 1000 == 0:
                    print(
                        f"  {finished[0]:>6} executions ended, emulator RSS {emulator.rss_kib / 1024:.1f} MiB",
                        flush=True,
                    )
            return arn, time.perf_counter() - began

        rss_before = emulator.rss_kib
        with ThreadPoolExecutor(args.clients) as pool:  # warm-up: the worker processes start (not counted)
            list(pool.map(one, range(args.clients)))
        rss_warm = emulator.rss_kib
        finished[0] = 0
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            runs = list(pool.map(one, range(args.executions)))
        elapsed = time.perf_counter() - started
        rss_after = emulator.rss_kib
        latencies = [latency for _, latency in runs]

        def verify(arn: str) -> list[str]:
            return [f"{arn}: {p}" for p in check_history(client().history(arn), args.steps)]

        with ThreadPoolExecutor(8) as pool:
            problems = [p for found in pool.map(verify, [arn for arn, _ in runs]) for p in found]
        rss_verified = emulator.rss_kib
    print(f"throughput: {args.executions / elapsed:.1f} executions/s ({elapsed:.1f} s)")
    print(
        f"Invoke latency (RequestResponse, whole execution): p50 {_percentile(latencies, 0.5) * 1000:.0f} ms, ", end=""
    )
    print(f"p99 {_percentile(latencies, 0.99) * 1000:.0f} ms")
    print(
        f"emulator RSS: {rss_before / 1024:.1f} MiB idle, {rss_warm / 1024:.1f} MiB after warm-up, "
        f"{rss_after / 1024:.1f} MiB after the run, {rss_verified / 1024:.1f} MiB after reading every history"
    )
    print(f"histories: {len(runs) - len({p.split(':', 1)[0] for p in problems})} of {len(runs)} exact")
    for problem in problems[:20]:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
