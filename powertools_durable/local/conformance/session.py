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


@contextmanager
def emulator_session(template: str | Path, *, timeout: float = 120.0) -> Iterator[ConformanceRunner]:
    """Start the emulator in-process on ``template`` (in-memory store, virtual time) and yield a runner."""
    functions = load_template(template)
    mapping: RequirementMap = mapping_from_metadata({name: f.testing_metadata for name, f in functions.items()})
    with LocalEmulator(functions, store=":memory:", skip_time=True) as emulator:

        def logs(arn: str) -> list[dict[str, object]]:
            return log_records(text for _, text in emulator.store.logs(arn))

        yield ConformanceRunner(emulator.client(), mapping, logs=logs, timeout=timeout)
