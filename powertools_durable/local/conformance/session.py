"""A conformance session: a runner pointed at the emulator on a template, or at a deployed stack."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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


def cloud_runner(
    template: str | Path,
    *,
    stack: str | None,
    function_map: Sequence[str] = (),
    timeout: float = 600.0,
    time_scale: float = 1.0,
    read_logs: bool = True,
) -> ConformanceRunner:
    """A runner on the deployed conformance stack: which function answers which requirement from the
    template's ``TestingMetadata``, what to invoke from the stack's resources (alias ARNs) and/or
    ``Name=ARN`` entries; boto3 with the usual AWS settings (region, profile, ``AWS_ENDPOINT_URL_LAMBDA``).
    ``ExpectedLogs`` are read from CloudWatch Logs unless ``read_logs`` is false (then left unchecked)."""
    import os  # noqa: PLC0415

    import boto3  # noqa: PLC0415 - only against a deployed stack

    from powertools_durable.local.cloud import CloudTargetError, parse_function_map, stack_functions  # noqa: PLC0415
    from powertools_durable.local.conformance.cloudwatch import cloudwatch_logs  # noqa: PLC0415

    functions = load_template(template)
    mapping = mapping_from_metadata({name: f.testing_metadata for name, f in functions.items()})
    session = boto3.Session(region_name=os.environ.get("AWS_REGION") or None)
    if session.get_credentials() is None:
        raise CloudTargetError("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
    if session.region_name is None:
        raise CloudTargetError("no AWS region: set AWS_REGION or AWS_DEFAULT_REGION")
    targets = stack_functions(session.client("cloudformation"), stack) if stack else {}
    targets.update(parse_function_map(function_map))
    client = session.client("lambda")
    logs = cloudwatch_logs(client, session.client("logs")) if read_logs else None
    return ConformanceRunner(
        client, mapping, logs=logs, time_scale=time_scale, timeout=timeout, poll_interval=0.5, targets=targets
    )
