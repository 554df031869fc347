"""The workloads both SDKs run, and the metered in-process fake service they run against.

Both SDKs get the same handler source (``durable_execution`` + ``durable_step``, each step
returning a small dict) and the same fake (``InMemoryDurableService``); the only adapter is
:class:`MeteredService`, which offers the fake under both client shapes: ours
(``checkpoint`` / ``get_execution_state``) and boto3's (``checkpoint_durable_execution(**kw)``
/ ``get_durable_execution_state(**kw)``), which the official SDK calls.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import time
from collections.abc import Callable
from typing import Any

OURS = "powertools_durable"
OFFICIAL = "aws_durable_execution_sdk_python"
SDKS = (OURS, OFFICIAL)
LABELS = {OURS: "powertools-durable", OFFICIAL: "official SDK"}

Handler = Callable[[Any, Any], Any]


def official_available() -> bool:
    """The official SDK is a benchmark-only dependency (``pip install -e ".[bench]"``)."""
    return importlib.util.find_spec(OFFICIAL) is not None


class MeteredService:
    """The fake service behind both client shapes, counting calls, updates, bytes and its own time.

    ``fake_seconds`` is the time spent inside the fake itself, so the engine's own cost per step
    can be reported without the fake's (identical for both SDKs) bookkeeping.
    """

    def __init__(self, service: Any = None, *, measure_bytes: bool = False) -> None:
        self.service = service
        self.measure_bytes = measure_bytes
        self.reset(service)

    def reset(self, service: Any) -> None:
        self.service = service
        self.checkpoint_calls = 0
        self.state_calls = 0
        self.updates = 0
        self.request_bytes = 0
        self.fake_seconds = 0.0

    # -- our client shape ------------------------------------------------------------------
    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[dict[str, Any]]) -> Any:
        start = time.perf_counter()
        try:
            return self.service.checkpoint(durable_execution_arn, checkpoint_token, updates)
        finally:
            self.fake_seconds += time.perf_counter() - start
            self.checkpoint_calls += 1
            self.updates += len(updates)
            if self.measure_bytes:
                self.request_bytes += len(json.dumps(updates, separators=(",", ":")).encode())

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> Any:
        start = time.perf_counter()
        try:
            return self.service.get_execution_state(durable_execution_arn, checkpoint_token, marker, max_items)
        finally:
            self.fake_seconds += time.perf_counter() - start
            self.state_calls += 1

    # -- boto3's client shape (what the official SDK calls) --------------------------------
    def checkpoint_durable_execution(self, **kwargs: Any) -> Any:
        return self.checkpoint(kwargs["DurableExecutionArn"], kwargs["CheckpointToken"], list(kwargs["Updates"]))

    def get_durable_execution_state(self, **kwargs: Any) -> Any:
        return self.get_execution_state(
            kwargs["DurableExecutionArn"], kwargs["CheckpointToken"], kwargs["Marker"], kwargs.get("MaxItems", 1000)
        )


def steps_handler(sdk: str, steps: int, client: Any) -> Handler:
    """A handler running ``steps`` steps, each returning a small dict, written against ``sdk``."""
    module = importlib.import_module(sdk)

    @module.durable_step  # type: ignore[untyped-decorator]
    def work(step_context: Any, i: int) -> dict[str, Any]:
        return {"i": i, "ok": True, "label": "item"}

    @module.durable_execution(boto3_client=client)  # type: ignore[untyped-decorator]
    def handler(event: Any, context: Any) -> dict[str, int]:
        for i in range(steps):
            context.step(work(i))
        return {"steps": steps}

    handler_: Handler = handler
    return handler_


def recorded_envelope(steps: int) -> str:
    """The invocation envelope (JSON text) of an execution that has ``steps`` succeeded steps.

    Recorded by running the workload once on our SDK against the fake; the whole state is in the
    envelope (one page), so replay measures the engine and not the paging.
    """
    from powertools_durable.local.memory import InMemoryDurableService

    service = InMemoryDurableService(page_size=steps + 10)
    service.start({"order": "o-1"})
    steps_handler(OURS, steps, service)(service.envelope(), None)
    return json.dumps(service.envelope(), separators=(",", ":"))


class NullClient:
    """A client for replay runs that must not checkpoint: any call is a benchmark bug."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a pure replay made a service call")

    checkpoint = get_execution_state = _fail
    checkpoint_durable_execution = get_durable_execution_state = _fail
