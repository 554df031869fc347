"""Record the golden histories of the SAM app's functions through the emulator.

Run from the repository root: ``.venv/bin/python -m tests.functional.data.histories.record``.
Each ``<Function>.json`` is what ``powertools-durable local history --json`` prints for one
execution (the execution ARN, every event with its payloads, timestamps in ISO 8601); the
replayer tests replay them against ``sam_app/``. Re-record only on purpose: a history that
changes means the workflow changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from powertools_durable.local.client_commands import (
    _events,  # what `local history --json` fetches: every page, with data
)
from powertools_durable.local.emulator import LocalEmulator

ROOT = Path(__file__).resolve().parents[4]
HERE = Path(__file__).resolve().parent

RUNS: dict[str, Any] = {
    "StepWaitStepFunction": {"name": "golden"},
    "MultipleStepsFunction": {"start": 0},
    "WaitOnlyFunction": {"seconds": 2},
    "LongerWaitFunction": {"seconds": 5},
    "ReplayDeterminismFunction": {},
    "RetrySucceedsFunction": {},
    "RetryExhaustsFunction": {},
    "StepFailsFunction": {},
}
# functions that wait for a callback: their input, the callback's name and the answer it is sent
ANSWERED: dict[str, tuple[Any, str, str]] = {
    "SupportAgentFunction": ({"order_id": "o-2"}, "approve-issue_refund", '{"approved": true}'),
}
# conformance functions (tests/conformance/template.yaml): child contexts, wait_for_condition polls,
# parallel and map branches
CONFORMANCE: dict[str, Any] = {
    "Conformance3x1Function": "hello",
    "Conformance6x1Function": 3,
    "Conformance8x1Function": {},
    "Conformance9x1Function": ["a", "b", "c"],
}


def main() -> None:
    _record(ROOT / "template.yaml", RUNS, HERE)
    record_answered(ROOT / "template.yaml", ANSWERED, HERE)
    _record(ROOT / "tests" / "conformance" / "template.yaml", CONFORMANCE, HERE / "conformance")


def _record(template: Path, runs: dict[str, Any], directory: Path) -> None:
    with LocalEmulator(template, time_scale=20) as emulator:
        client = emulator.client()
        for function, payload in runs.items():
            response = client.invoke(FunctionName=function, Payload=json.dumps(payload))
            response["Payload"].read()
            arn = response["DurableExecutionArn"]
            history = {"DurableExecutionArn": arn, "Events": _events(client, arn)}
            text = json.dumps(history, indent=2, default=lambda v: v.isoformat())
            directory.mkdir(exist_ok=True)
            (directory / f"{function.removesuffix('Function')}.json").write_text(text + "\n", encoding="utf-8")
            print(f"{function}: {len(history['Events'])} events")


def record_answered(template: Path, runs: dict[str, tuple[Any, str, str]], directory: Path) -> None:
    """Like ``_record``, answering each execution's callback once it is pending."""
    with LocalEmulator(template, time_scale=20) as emulator:
        client = emulator.client()
        for function, (payload, callback, answer) in runs.items():
            arn = emulator.run_async(function, payload)
            emulator.send_callback_success(emulator.wait_for_callback(arn, name=callback, timeout=120), answer)
            emulator.wait_for_result(arn, timeout=120)
            history = {"DurableExecutionArn": arn, "Events": _events(client, arn)}
            text = json.dumps(history, indent=2, default=lambda v: v.isoformat())
            (directory / f"{function.removesuffix('Function')}.json").write_text(text + "\n", encoding="utf-8")
            print(f"{function}: {len(history['Events'])} events")


if __name__ == "__main__":
    main()
