"""Throughput and latency of the local emulator: ``python benchmarks/emulator.py [--quick]``.

- executions/s and p50/p99 latency of a three-step workflow (one invocation, three checkpoints),
  started with ``LocalEmulator.run`` from 1, 10 and 100 threads at once; each invocation runs in
  a warm worker process, as the emulator always runs them (the first round warms the workers up);
- the latency of one CheckpointDurableExecution call (START+SUCCEED of a step) through boto3,
  against an execution whose invocation is held open;
- the server's reading of that call's request (bounded JSON and the service-model checks of
  :mod:`powertools_durable.local.validation`) against ``json.loads`` of the same body alone.

Prints figures, asserts nothing. The function is written into a temporary SAM app.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import timeit
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.workers import WorkerPool

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ThreeSteps:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: ThreeSteps
      CodeUri: app/
      Handler: app.handler
      Runtime: python3.13
      DurableConfig:
        ExecutionTimeout: 3600
"""

APP = """\
from powertools_durable import durable_execution


@durable_execution
def handler(event, context):
    a = context.step(lambda _: 1, name="a")
    b = context.step(lambda _: 2, name="b")
    return context.step(lambda _: a + b, name="c")
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def throughput(emulator: LocalEmulator, concurrency: int, count: int) -> str:
    latencies: list[float] = []

    def one(i: int) -> None:
        started = time.perf_counter()
        run = emulator.run("ThreeSteps", i, timeout=120)
        latencies.append(time.perf_counter() - started)
        assert run.status == "SUCCEEDED", run.error

    with ThreadPoolExecutor(concurrency) as pool:  # warm-up: one worker process per concurrent invocation
        list(pool.map(one, range(concurrency)))
    latencies.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    p50, p99 = _percentile(latencies, 0.5) * 1000, _percentile(latencies, 0.99) * 1000
    return f"| {concurrency:>3} | {count:>5} | {count / elapsed:8.1f} | {p50:8.1f} | {p99:8.1f} |"


class HeldInvoker(WorkerPool):
    """Holds every invocation open until released, so its checkpoint token stays current."""

    release = threading.Event()

    def _run(self, worker: Any, spec: Any, event: Any, **options: Any) -> Any:
        self.release.wait(120)
        return super()._run(worker, spec, event, **options)


def checkpoint_latency(template: Path, calls: int) -> str:
    with LocalEmulator(template, invoker=HeldInvoker) as emulator:
        arn = emulator.invoke("ThreeSteps", 0)
        deadline = time.monotonic() + 10
        while (record := emulator.store.get(arn)) is None or record.token is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        token, client = record.token, emulator.client()
        timings = []
        for i in range(calls):
            updates = [
                {"Id": f"s{i}", "Type": "STEP", "SubType": "Step", "Action": "START"},
                {"Id": f"s{i}", "Type": "STEP", "SubType": "Step", "Action": "SUCCEED", "Payload": '{"ok":true}'},
            ]
            started = time.perf_counter()
            response = client.checkpoint_durable_execution(
                DurableExecutionArn=arn, CheckpointToken=token, Updates=updates
            )
            timings.append(time.perf_counter() - started)
            token = response["CheckpointToken"]
        HeldInvoker.release.set()
    median, p99 = statistics.median(timings) * 1000, _percentile(timings, 0.99) * 1000
    return f"CheckpointDurableExecution via boto3 (START+SUCCEED of a step): median {median:.2f} ms, p99 {p99:.2f} ms"


def request_reading(calls: int) -> str:
    """Server-side cost of reading one checkpoint request: parse + validate, next to json.loads alone."""
    import json

    from powertools_durable.local.validation import operation

    checkpoint = operation("CheckpointDurableExecution")
    updates = [
        {"Id": "s1", "Type": "STEP", "SubType": "Step", "Action": "START"},
        {"Id": "s1", "Type": "STEP", "SubType": "Step", "Action": "SUCCEED", "Payload": '{"ok":true}'},
    ]
    body = json.dumps({"CheckpointToken": "token", "Updates": updates}).encode()
    path = {"DurableExecutionArn": "arn:aws:lambda:us-east-1:123456789012:function:F:$LATEST/durable-execution/n/i"}

    def timed(call: Any) -> float:  # the best of 5 rounds: the machine's other load only adds time
        return min(timeit.repeat(call, number=calls, repeat=5)) / calls * 1e6

    loads = timed(lambda: json.loads(body))
    read = timed(lambda: checkpoint.read(path, lambda name: [], {}, body))
    return f"reading a START+SUCCEED checkpoint request: {read:.1f} us (json.loads of its body alone: {loads:.1f} us)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer executions (noisier)")
    args = parser.parse_args()
    factor = 1 if args.quick else 4
    with tempfile.TemporaryDirectory() as root:
        template = Path(root) / "template.yaml"
        template.write_text(TEMPLATE)
        (Path(root) / "app").mkdir()
        (Path(root) / "app" / "app.py").write_text(APP)
        print("| concurrent | executions | executions/s | p50 ms | p99 ms |")
        print("|---:|---:|---:|---:|---:|")
        with LocalEmulator(template, store=":memory:") as emulator:
            for concurrency in (1, 10, 100):
                print(throughput(emulator, concurrency, max(100, concurrency * 3) * factor), flush=True)
        print(checkpoint_latency(template, 200 * factor))
        print(request_reading(5000 * factor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
