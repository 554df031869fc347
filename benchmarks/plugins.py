"""What instrumentation costs: fresh steps and replay, without plugins, with a Powertools Logger, with a no-op plugin.

``python benchmarks/plugins.py`` prints the figures of the code on ``sys.path``;
``python benchmarks/plugins.py --compare DIR`` runs this same script alternately against the package
in ``DIR`` (e.g. ``git archive <commit> | tar -x -C DIR``) and the current one, and keeps each
figure's best of ``--rounds`` runs: on a loaded machine the best run is the least disturbed one.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from workloads import NullClient, recorded_envelope  # noqa: E402

Handler = Callable[[Any, Any], Any]


def _handler(variant: str, steps: int, client: Any) -> Handler:
    import powertools_durable as pd

    @pd.durable_step
    def work(step_context: Any, i: int) -> dict[str, Any]:
        return {"i": i, "ok": True, "label": "item"}

    def body(event: Any, context: Any) -> dict[str, int]:
        for i in range(steps):
            context.step(work(i))
        return {"steps": steps}

    if variant == "plain":
        handler: Handler = pd.durable_execution(body, boto3_client=client)
        return handler
    if variant == "logger":
        from aws_lambda_powertools import Logger

        logger = Logger(service="bench", stream=io.StringIO())
        handler = pd.durable_handler(body, logger=logger, service_client=client)
        return handler  # noqa: RET504 - typed: durable_handler is built by Powertools' factory
    from powertools_durable.plugin import DurableInstrumentationPlugin

    class Factory:
        def create_plugin(self, info: Any, /) -> DurableInstrumentationPlugin:
            return DurableInstrumentationPlugin()

    return pd.durable_execution(body, boto3_client=client, plugins=[Factory()])


def _fresh_us(variant: str, steps: int, repeat: int) -> float:
    from powertools_durable.local.memory import InMemoryDurableService

    best = float("inf")
    for _ in range(repeat):
        service = InMemoryDurableService()
        handler = _handler(variant, steps, service)
        service.start({"order": "o-1"})
        event = service.envelope()
        gc.collect()
        start = time.perf_counter()
        assert handler(event, None)["Status"] == "SUCCEEDED"
        best = min(best, time.perf_counter() - start)
    return best / steps * 1e6


def _replay_ms(variant: str, envelope: str, steps: int, repeat: int) -> float:
    handler = _handler(variant, steps, NullClient())
    best = float("inf")
    for _ in range(repeat):
        event = json.loads(envelope)
        gc.collect()
        start = time.perf_counter()
        assert handler(event, None)["Status"] == "SUCCEEDED"
        best = min(best, time.perf_counter() - start)
    return best * 1000


def measure(variants: list[str]) -> dict[str, float]:
    envelope = recorded_envelope(1000)
    figures: dict[str, float] = {}
    for variant in variants:
        figures[f"{variant}: fresh step, N=1000, us/step"] = _fresh_us(variant, 1000, 5)
        figures[f"{variant}: replay 1,000 steps, ms"] = _replay_ms(variant, envelope, 1000, 5)
    return figures


def compare(baseline: str, rounds: int) -> None:
    """Interleave runs of the baseline tree and the current one; print each figure's best."""
    best: dict[str, dict[str, float]] = {"before": {}, "after": {}}
    here_root = os.path.dirname(HERE)
    for _ in range(rounds):
        for label, root, variants in (
            ("before", baseline, "plain,logger"),
            ("after", here_root, "plain,logger,noop-plugin"),
        ):
            env = {**os.environ, "PYTHONPATH": root}
            out = subprocess.run(
                [sys.executable, __file__, "--variants", variants, "--json"],
                env=env,
                cwd=root,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for key, value in json.loads(out).items():
                best[label][key] = min(best[label].get(key, float("inf")), value)
    print(f"{'figure (best of ' + str(rounds) + ')':48} {'before':>10} {'after':>10}")
    for key in best["after"]:
        before = best["before"].get(key)
        print(f"{key:48} {before if before is None else round(before, 2)!s:>10} {best['after'][key]:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compare", metavar="DIR", help="a tree holding the baseline package")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variants", default="plain,logger,noop-plugin")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare, args.rounds)
        return
    figures = measure(args.variants.split(","))
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:48} {value:10.2f}")


if __name__ == "__main__":
    main()
