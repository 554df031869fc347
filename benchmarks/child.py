"""What the benchmark runs in fresh processes: a cold invocation, or the 10k replay for peak RSS.

Only the standard library is imported before the clock starts, so each figure pays for the SDK
under test and nothing else (never both SDKs in one process).

    python benchmarks/child.py cold <sdk> <event.json>   # prints JSON timings (ms)
    python benchmarks/child.py rss <sdk> <envelope.json> # prints JSON peak RSS (MiB)
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import importlib  # noqa: E402 - the clock starts first
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

COLD_MODULES = {"powertools_durable": "cold_ours", "aws_durable_execution_sdk_python": "cold_official"}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _build_client(sdk: str) -> Any:
    """The SDK's default (process-wide) client, built the way its first invocation builds it."""
    if sdk == "powertools_durable":
        from powertools_durable.service.client import default_client

        return default_client()
    from aws_durable_execution_sdk_python.lambda_service import LambdaClient

    LambdaClient.initialize_client()
    return LambdaClient._cached_boto_client  # the cached boto3 client


def cold(sdk: str, event_path: str) -> dict[str, Any]:
    """Import the handler module, build the default client, run the first invocation."""
    with open(event_path) as file:
        event = json.load(file)
    t_start = time.perf_counter()
    module = importlib.import_module(COLD_MODULES[sdk])
    t_imported = time.perf_counter()
    modules_after_import = len(sys.modules)
    client = _build_client(sdk)
    t_client = time.perf_counter()

    name = "checkpoint" if sdk == "powertools_durable" else "checkpoint_durable_execution"
    original = getattr(client, name)
    spent: list[float] = []

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    setattr(client, name, timed)
    output = module.handler(event, None)
    t_done = time.perf_counter()
    if output.get("Status") != "SUCCEEDED":
        raise SystemExit(f"cold invocation did not succeed: {output}")
    return {
        "startup": _ms(t_start - _T0),
        "import": _ms(t_imported - t_start),
        "client": _ms(t_client - t_imported),
        "invoke": _ms(t_done - t_client),
        "checkpoint": _ms(sum(spent)),
        "checkpoint_calls": len(spent),
        "total": _ms(t_done - t_start),
        "modules": modules_after_import,
        "boto3_loaded": "boto3" in sys.modules,
        "pydantic_loaded": "pydantic" in sys.modules,
        "powertools_loaded": "aws_lambda_powertools" in sys.modules,
    }


def _peak_kib() -> int:
    """This process's peak RSS in KiB.

    ``VmHWM`` where Linux has it: ``ru_maxrss`` survives ``exec`` on Linux, so a child spawned by
    the (large) benchmark process would report its parent's peak instead of its own.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def rss(sdk: str, envelope_path: str) -> dict[str, Any]:
    """Replay the recorded envelope once and report the process's peak RSS."""
    from workloads import NullClient, steps_handler

    with open(envelope_path) as file:
        text = file.read()
    event = json.loads(text)
    steps = len(event["InitialExecutionState"]["Operations"]) - 1
    handler = steps_handler(sdk, steps, NullClient())
    before = _peak_kib()
    output = handler(event, None)
    if output.get("Status") != "SUCCEEDED":
        raise SystemExit(f"replay did not succeed: {output}")
    peak = _peak_kib()
    return {"peak_mib": round(peak / 1024, 1), "before_mib": round(before / 1024, 1)}


if __name__ == "__main__":
    mode, sdk_name, path = sys.argv[1:4]
    result = cold(sdk_name, path) if mode == "cold" else rss(sdk_name, path)
    print(json.dumps(result))
