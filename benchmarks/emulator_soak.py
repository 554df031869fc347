"""Soak of the local emulator's memory: ``python benchmarks/emulator_soak.py [--executions N] [--clients C]``.

Runs N (default 10,000) short executions (three steps each, one invocation) through the real
server (``powertools-durable local start`` in a subprocess, SQLite store file), from C
concurrent raw-HTTP clients (Invoke RequestResponse), and prints the server process's RSS
before, every 1,000 executions and after. Memory that grows with every execution shows as a
rising column; a bounded emulator's RSS levels off after warm-up. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from emulator_server import EmulatorProcess, LambdaHttp, machine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--every", type=int, default=1_000, help="print RSS every this many executions")
    args = parser.parse_args()
    print(machine())
    with EmulatorProcess() as emulator:
        local = threading.local()
        done = 0
        guard = threading.Lock()
        started = time.perf_counter()

        def one(i: int) -> None:
            nonlocal done
            if not hasattr(local, "client"):
                local.client = LambdaHttp(emulator.port)
            _, result = local.client.invoke("Steps", {"steps": 3, "i": i})
            if result != {"total": 6}:
                raise RuntimeError(f"execution {i} returned {result}")
            with guard:
                done += 1
                if done % args.every == 0:
                    rate = done / (time.perf_counter() - started)
                    print(f"{done:>7} executions  RSS {emulator.rss_kib / 1024:7.1f} MiB  ({rate:.0f}/s)", flush=True)

        print(f"{0:>7} executions  RSS {emulator.rss_kib / 1024:7.1f} MiB  (server started, idle)", flush=True)
        with ThreadPoolExecutor(args.clients) as pool:
            for future in [pool.submit(one, i) for i in range(args.executions)]:
                future.result()
        elapsed = time.perf_counter() - started
        print(f"after: {args.executions} executions in {elapsed:.1f} s ({args.executions / elapsed:.0f}/s)")
        print(f"after: RSS {emulator.rss_kib / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
