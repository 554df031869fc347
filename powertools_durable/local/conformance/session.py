"""A conformance session: the emulator on a template, a runner pointed at it, the requirements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from powertools_durable.local.conformance.runner import (
    ConformanceRunner,
    RequirementMap,
    log_records,
    mapping_from_metadata,
)
from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.template import load_template

DEFAULT_TIME_SCALE = 10.0


@contextmanager
def emulator_session(
    template: str | Path, *, timeout: float = 120.0, time_scale: float = DEFAULT_TIME_SCALE
) -> Iterator[ConformanceRunner]:
    """Start the emulator in-process on ``template`` (in-memory store) and yield a runner.

    Time runs ``time_scale`` times faster than the wall clock (not a clock that skips ahead):
    the requirements' external systems answer callbacks after a ``Delay``, so modelled and
    wall time must advance together for the answer to land before the callback times out.
    """
    functions = load_template(template)
    mapping: RequirementMap = mapping_from_metadata({name: f.testing_metadata for name, f in functions.items()})
    with LocalEmulator(functions, store=":memory:", time_scale=time_scale) as emulator:

        def logs(arn: str) -> list[dict[str, object]]:
            return log_records(text for _, text in emulator.store.logs(arn))

        yield ConformanceRunner(emulator.client(), mapping, logs=logs, time_scale=time_scale, timeout=timeout)
