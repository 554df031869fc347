"""The emulator's per-execution memory is dropped when an execution ends: it stays bounded however many run."""

from __future__ import annotations

import time
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.service.conftest import EmulatorFactory

pytestmark = pytest.mark.e2e


def _footprint(emulator: LocalEmulator) -> dict[str, int]:
    store: Any = emulator.store
    return {
        **emulator.service.memory_footprint(),
        **store.memory_footprint(),
        **emulator.scheduler.memory_footprint(),
    }


@pytest.mark.parametrize("store", [":memory:", "file"])
def test_per_execution_state_is_dropped_when_executions_end(
    make_emulator: EmulatorFactory, tmp_path: Any, store: str
) -> None:
    # GIVEN an emulator (real HTTP server, SQLite store)
    emulator = make_emulator(tmp_path / "store.sqlite3" if store == "file" else store)
    # WHEN 40 executions with steps and a wait run to their end, and each is read back afterwards
    arns = [emulator.invoke("StepWaitStep", {"name": f"n{i}"}) for i in range(40)]
    for arn in arns:
        assert emulator.wait(arn).status == "SUCCEEDED"
        emulator.service.describe(arn)
        emulator.service.history(arn, include_data=True, marker=None, max_items=None, reverse=False)
    # THEN no execution keeps a lock, listener, cached record, cached operations or timer in memory
    assert _footprint(emulator) == {
        "locks": 0,
        "listeners": 0,
        "answers": 0,
        "records": 0,
        "operations": 0,
        "timers": 0,
        "timeouts": 0,
    }
    # AND the ended executions are still served from the store on demand
    assert emulator.result(arns[0]).status == "SUCCEEDED"
    assert _footprint(emulator)["records"] == 0


def test_running_executions_are_the_only_ones_in_memory(make_emulator: EmulatorFactory) -> None:
    # GIVEN 5 executions that finished and 3 suspended in a long wait
    emulator = make_emulator()
    for i in range(5):
        assert emulator.run("Echo", {"i": i}).status == "SUCCEEDED"
    waiting = [emulator.invoke("LongWait", {}) for _ in range(3)]
    deadline = time.monotonic() + 30
    while not all(emulator.result(arn).events("InvocationCompleted") for arn in waiting):  # suspended
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # THEN only the 3 running executions have state in memory (their records and timeouts)
    footprint = _footprint(emulator)
    while footprint["locks"]:  # the scheduler lets go of the lock just after committing InvocationCompleted
        assert time.monotonic() < deadline, footprint
        footprint = _footprint(emulator)
    assert footprint["records"] <= 3
    assert footprint["timeouts"] == 3
    # WHEN they are stopped
    for arn in waiting:
        emulator.service.stop(arn)
    # THEN nothing is left
    assert _footprint(emulator) == dict.fromkeys(footprint, 0), _footprint(emulator)
