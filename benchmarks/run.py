"""powertools-durable vs AWS's official SDK, same workloads, same run: ``python benchmarks/run.py``.

Prints figures, never asserts on time. The official SDK is a benchmark-only dependency
(``pip install -e ".[bench]"``); without it the script says so and prints our figures alone.
See benchmarks/README.md for what each figure measures and what dominates it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import (  # noqa: E402 - benchmarks/ is not a package
    LABELS,
    OFFICIAL,
    OURS,
    MeteredService,
    NullClient,
    official_available,
    recorded_envelope,
    steps_handler,
)

from powertools_durable.local.memory import InMemoryDurableService  # noqa: E402

Row = tuple[str, float | None, float | None, str]  # figure, ours, official, target note


def median_time(func: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``func()`` over ``repeat`` runs."""
    return median_time_with(lambda _: func(), repeat, lambda: None)


def median_time_with(func: Callable[[Any], Any], repeat: int, setup: Callable[[], Any]) -> float:
    """Median wall time of ``func(setup())`` over ``repeat`` runs, ``setup()`` untimed."""
    samples = []
    for _ in range(repeat):
        arg = setup()
        gc.collect()
        start = time.perf_counter()
        func(arg)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# -- 1 + 2: fresh steps ------------------------------------------------------------------------
def fresh_steps(sdk: str, steps: int, repeat: int) -> dict[str, float]:
    """µs per fresh step (with and without the fake's own time), calls and bytes per step."""
    meter = MeteredService()
    handler = steps_handler(sdk, steps, meter)
    totals, engine = [], []
    for _ in range(repeat):
        service = InMemoryDurableService()
        service.start({"order": "o-1"})
        meter.reset(service)
        event = service.envelope()
        gc.collect()
        start = time.perf_counter()
        output = handler(event, None)
        elapsed = time.perf_counter() - start
        assert output["Status"] == "SUCCEEDED", output
        totals.append(elapsed)
        engine.append(elapsed - meter.fake_seconds)
    # one more, untimed, measuring what goes on the wire
    bytes_meter = MeteredService(measure_bytes=True)
    service = InMemoryDurableService()
    service.start({"order": "o-1"})
    bytes_meter.reset(service)
    steps_handler(sdk, steps, bytes_meter)(service.envelope(), None)
    return {
        "us_per_step": statistics.median(totals) / steps * 1e6,
        "engine_us_per_step": statistics.median(engine) / steps * 1e6,
        "calls_per_step": bytes_meter.checkpoint_calls / steps,
        "bytes_per_step": bytes_meter.request_bytes / steps,
    }


# -- 3: replay ---------------------------------------------------------------------------------
def replay(sdk: str, envelope: str, steps: int, repeat: int) -> float:
    """ms for one invocation replaying ``steps`` succeeded steps (the event parsed beforehand, untimed)."""
    handler = steps_handler(sdk, steps, NullClient())

    def run(event: Any) -> None:
        output = handler(event, None)
        assert output["Status"] == "SUCCEEDED", output

    return median_time_with(run, repeat, lambda: json.loads(envelope)) * 1000


def json_loads_ms(envelope: str, repeat: int) -> float:
    return median_time(lambda: json.loads(envelope), repeat) * 1000


# -- 4: cold import ----------------------------------------------------------------------------
def import_ms(statement: str, repeat: int) -> float:
    """Median ms of ``statement`` in a fresh interpreter (perf_counter around the import)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(repeat)]
    return statistics.median(samples) * 1000


# -- 5: peak RSS -------------------------------------------------------------------------------
def peak_rss(sdk: str, envelope_path: str) -> dict[str, float]:
    out = subprocess.check_output([sys.executable, str(HERE / "child.py"), "rss", sdk, envelope_path], text=True)
    result: dict[str, float] = json.loads(out)
    return result


# -- 6: cold invocation ------------------------------------------------------------------------
def cold_invocations(sdk: str, repeat: int, extra_env: dict[str, str] | None = None) -> dict[str, float]:
    """Median timings of ``repeat`` fresh processes each running a one-step handler's first invocation."""
    from stub import start_stub

    server, service, url = start_stub()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL_LAMBDA": url,
        "AWS_ACCESS_KEY_ID": "AKIDBENCHMARK",
        "AWS_SECRET_ACCESS_KEY": "benchmark-secret",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",  # Lambda sets both; botocore reads this one
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        **(extra_env or {}),
    }
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    runs: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for index in range(repeat):
                arn = f"arn:aws:lambda:us-east-1:123456789012:function:cold:$LATEST/durable-execution/cold/run-{index}"
                execution = {
                    "Id": "execution",
                    "Type": "EXECUTION",
                    "Status": "STARTED",
                    "StartTimestamp": 1_700_000_000_000,
                    "ExecutionDetails": {"InputPayload": json.dumps({"name": "cold"})},
                }
                service.register(arn, [execution])
                event_path = Path(tmp) / f"event-{index}.json"
                event_path.write_text(
                    json.dumps(
                        {
                            "DurableExecutionArn": arn,
                            "CheckpointToken": "stub-token-0",
                            "InitialExecutionState": {"Operations": [execution]},
                        }
                    )
                )
                start = time.perf_counter()
                out = subprocess.check_output(
                    [sys.executable, str(HERE / "child.py"), "cold", sdk, str(event_path)], text=True, env=env
                )
                run = json.loads(out)
                run["process"] = (time.perf_counter() - start) * 1000
                runs.append(run)
    finally:
        server.shutdown()
        server.server_close()
    summary = {key: statistics.median(r[key] for r in runs) for key in runs[0] if not isinstance(runs[0][key], bool)}
    for flag in ("boto3_loaded", "pydantic_loaded", "powertools_loaded"):
        summary[flag] = float(any(r[flag] for r in runs))
    return summary


# -- output ------------------------------------------------------------------------------------
def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def print_table(rows: list[Row], have_official: bool) -> None:
    header = ("figure", LABELS[OURS], LABELS[OFFICIAL], "ours/official", "target")
    lines = []
    for figure, ours, official, target in rows:
        ratio = f"{ours / official:.3f}x" if ours is not None and official else "n/a"
        lines.append((figure, _fmt(ours), _fmt(official) if have_official else "(not installed)", ratio, target))
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    rule = "-+-".join("-" * w for w in widths)
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(rule)
    for line in lines:
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:4], widths[1:4], strict=True)]
        cells.append(line[4].ljust(widths[4]))
        print(" | ".join(cells))


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("MET" if ok else "MISSED")


def main() -> None:  # noqa: PLR0915 - one linear script of sections
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, noisier figures)")
    args = parser.parse_args()
    quick = args.quick
    have_official = official_available()
    sdks = [OURS, OFFICIAL] if have_official else [OURS]

    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"{LABELS[OURS]} {metadata.version('powertools-durable')}", end="")
    if have_official:
        print(f" vs {LABELS[OFFICIAL]} aws-durable-execution-sdk-python {metadata.version(OFFICIAL.replace('_', '-'))}")
    else:
        print(
            "\nNOTE: the official SDK (aws-durable-execution-sdk-python) is NOT installed, so only our figures "
            'are printed. Install it with: pip install -e ".[bench]"'
        )
    print()

    figures: dict[str, dict[str, Any]] = {sdk: {} for sdk in sdks}
    for sdk in sdks:
        print(f"measuring {LABELS[sdk]} ...", file=sys.stderr)
        fig = figures[sdk]
        slow = sdk == OFFICIAL
        fig["fresh100"] = fresh_steps(sdk, 100, 5 if quick else (10 if slow else 30))
        fig["fresh1000"] = fresh_steps(sdk, 1000, 2 if quick else (3 if slow else 10))

    envelopes = {n: recorded_envelope(n) for n in (1_000, 10_000)}
    loads = {n: json_loads_ms(text, 5 if quick else 20) for n, text in envelopes.items()}
    for sdk in sdks:
        for n, text in envelopes.items():
            figures[sdk][f"replay{n}"] = replay(sdk, text, n, 2 if quick else (5 if n == 10_000 else 10))

    import_repeat = 3 if quick else 7
    cold_repeat = 3 if quick else 7
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        file.write(envelopes[10_000])
    try:
        for sdk in sdks:
            figures[sdk]["import_pkg"] = import_ms(f"import {sdk}", import_repeat)
            figures[sdk]["import_api"] = import_ms(
                f"from {sdk} import DurableContext, durable_execution, durable_step", import_repeat
            )
            figures[sdk]["rss"] = peak_rss(sdk, file.name)
            figures[sdk]["cold"] = cold_invocations(sdk, cold_repeat)
    finally:
        os.unlink(file.name)
    ours_boto3 = cold_invocations(OURS, cold_repeat, {"POWERTOOLS_DURABLE_CLIENT": "boto3"})
    baseline_rss = float(
        subprocess.check_output(
            [
                sys.executable,
                "-c",
                "import sys; sys.path.insert(0, sys.argv[1]); import child; print(child._peak_kib())",
                str(HERE),
            ],
            text=True,
        )
    )

    def get(sdk: str, *path: str) -> float | None:
        if sdk not in figures:
            return None
        value: Any = figures[sdk]
        for key in path:
            value = value[key]
        return float(value)

    def half(path: tuple[str, ...]) -> str:
        ours, official = get(OURS, *path), get(OFFICIAL, *path)
        return f"<= 0.5x official {verdict(None if official is None else ours is not None and ours <= 0.5 * official)}"

    rows: list[Row] = []
    for n in (100, 1000):
        key = f"fresh{n}"
        rows.append(
            (
                f"fresh step, N={n}: us/step",
                get(OURS, key, "us_per_step"),
                get(OFFICIAL, key, "us_per_step"),
                half((key, "us_per_step")),
            )
        )
        rows.append(
            (
                "  same, minus the fake's own time",
                get(OURS, key, "engine_us_per_step"),
                get(OFFICIAL, key, "engine_us_per_step"),
                "",
            )
        )
    calls_ours, calls_official = get(OURS, "fresh1000", "calls_per_step"), get(OFFICIAL, "fresh1000", "calls_per_step")
    calls_ok = None if calls_official is None else calls_ours is not None and calls_ours <= calls_official
    rows.append(("checkpoint calls per step (N=1000)", calls_ours, calls_official, f"<= official {verdict(calls_ok)}"))
    rows.append(
        (
            "request bytes per step (Updates JSON)",
            get(OURS, "fresh1000", "bytes_per_step"),
            get(OFFICIAL, "fresh1000", "bytes_per_step"),
            "",
        )
    )
    for n in (1_000, 10_000):
        key = f"replay{n}"
        rows.append(
            (f"replay {n:,} steps: ms", get(OURS, key), get(OFFICIAL, key), half((key,)) if n == 10_000 else "")
        )
        rows.append(
            (
                "  json.loads of that envelope: ms",
                loads[n],
                loads[n] if have_official else None,
                f"({len(envelopes[n]) / 1e6:.2f} MB of JSON)",
            )
        )
        ours_x = (get(OURS, key) or 0) / loads[n]
        official_x = (get(OFFICIAL, key) or 0) / loads[n] if have_official else None
        target = f"ours <= 3x {verdict(ours_x <= 3)}" if n == 10_000 else ""
        rows.append(("  replay / json.loads (x)", ours_x, official_x, target))
    rows.append(("cold import `import <pkg>`: ms", get(OURS, "import_pkg"), get(OFFICIAL, "import_pkg"), ""))
    rows.append(
        (
            "cold import `from <pkg> import DurableContext, durable_execution, durable_step`: ms",
            get(OURS, "import_api"),
            get(OFFICIAL, "import_api"),
            "",
        )
    )
    rows.append(
        (
            "peak RSS, 10k replay: MiB",
            get(OURS, "rss", "peak_mib"),
            get(OFFICIAL, "rss", "peak_mib"),
            f"(bare python: {baseline_rss / 1024:.1f} MiB)",
        )
    )
    rows.append(
        (
            "cold invocation (import + client + 1st call): ms",
            get(OURS, "cold", "total"),
            get(OFFICIAL, "cold", "total"),
            half(("cold", "total")),
        )
    )
    rows.append(("  handler module import: ms", get(OURS, "cold", "import"), get(OFFICIAL, "cold", "import"), ""))
    rows.append(("  default client construction: ms", get(OURS, "cold", "client"), get(OFFICIAL, "cold", "client"), ""))
    rows.append(("  first invocation: ms", get(OURS, "cold", "invoke"), get(OFFICIAL, "cold", "invoke"), ""))
    rows.append(
        (
            "    of which the checkpoint call: ms",
            get(OURS, "cold", "checkpoint"),
            get(OFFICIAL, "cold", "checkpoint"),
            "",
        )
    )
    rows.append(
        ("  whole process, spawn to exit: ms", get(OURS, "cold", "process"), get(OFFICIAL, "cold", "process"), "")
    )
    rows.append(
        ("  modules loaded by the handler import", get(OURS, "cold", "modules"), get(OFFICIAL, "cold", "modules"), "")
    )
    rows.append(
        (
            "cold invocation, ours with POWERTOOLS_DURABLE_CLIENT=boto3: ms",
            ours_boto3["total"],
            get(OFFICIAL, "cold", "total"),
            "",
        )
    )
    rows.append(("  of which client construction: ms", ours_boto3["client"], get(OFFICIAL, "cold", "client"), ""))
    print_table(rows, have_official)

    cold = figures[OURS]["cold"]
    loaded = [name for name in ("boto3", "pydantic", "powertools") if cold[f"{name}_loaded"]]
    print()
    print(
        "cold path of our handler loaded: " + (", ".join(loaded) if loaded else "none of boto3, pydantic, Powertools")
    )
    print("ratios are ours/official; below 1 means we are faster or smaller.")


if __name__ == "__main__":
    main()
