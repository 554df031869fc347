"""FileSystemSerDes in a workflow: a step's large result lives in a file, the checkpoint holds a pointer,
and the replay after a wait reads it back without running the step again."""

from __future__ import annotations

import json
from pathlib import Path

from powertools_durable import (
    DurableContext,
    Duration,
    FileSystemSerDes,
    FileSystemSerDesConfig,
    FileSystemSerDesMode,
    StepConfig,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind

BIG = 300 * 1024  # over the 256 KiB a checkpoint payload holds


def test_a_result_too_large_for_a_checkpoint_overflows_to_a_file_and_replays(tmp_path: Path):
    # GIVEN a workflow whose steps use FileSystemSerDes in OVERFLOW mode: one small result, one large
    service = InMemoryDurableService()
    serdes = FileSystemSerDes(str(tmp_path), FileSystemSerDesConfig(storage_mode=FileSystemSerDesMode.OVERFLOW))
    runs: list[str] = []

    @bind(service)
    def handler(event: dict, context: DurableContext) -> dict:
        small = context.step(lambda _: runs.append("small") or {"n": 1}, name="small", config=StepConfig(serdes=serdes))
        large = context.step(
            lambda _: runs.append("large") or "x" * BIG, name="large", config=StepConfig(serdes=serdes)
        )
        context.wait(Duration.from_seconds(1), name="pause")
        return {"small": small, "large_length": len(large)}

    # WHEN it runs over two invocations (the second replays both steps)
    run = run_to_completion(handler, {}, service=service)

    # THEN it succeeds, each step ran once, the small result is inline and the large one a file under tmp_path
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"small": {"n": 1}, "large_length": BIG}
    assert runs == ["small", "large"]
    payloads = {
        op.get("Name"): op["StepDetails"]["Result"] for op in service.operations.values() if op["Type"] == "STEP"
    }
    assert set(json.loads(payloads["small"])) == {"data"}
    pointer = Path(json.loads(payloads["large"])["file"])
    assert pointer.is_relative_to(tmp_path)
    assert pointer.stat().st_size > BIG


def test_a_checkpoint_pointing_outside_the_directory_fails_the_step_replay(tmp_path: Path):
    # GIVEN a recorded step whose result points outside the serdes' directory (a tampered checkpoint)
    secret = tmp_path / "secret.json"
    secret.write_text('"do not read"')
    service = InMemoryDurableService()
    serdes = FileSystemSerDes(str(tmp_path / "store"))

    @bind(service)
    def handler(event: dict, context: DurableContext) -> str:
        return context.step(lambda _: "fresh", name="s", config=StepConfig(serdes=serdes))

    service.start({})
    first = handler(service.envelope(), None)
    assert first["Status"] == "SUCCEEDED"
    step = next(op for op in service.operations.values() if op["Type"] == "STEP")
    step["StepDetails"]["Result"] = json.dumps({"file": str(tmp_path / "store" / ".." / "secret.json")})

    # WHEN the execution is replayed
    replay = handler(service.envelope(), None)

    # THEN it fails with a SerDesError naming the refused path, never returning the file's content
    assert replay["Status"] == "FAILED"
    assert replay["Error"]["ErrorType"] == "powertools_durable.exceptions.SerDesError"
    assert "outside its directory" in replay["Error"]["ErrorMessage"]
    assert "do not read" not in json.dumps(replay)
