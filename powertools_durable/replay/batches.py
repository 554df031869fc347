"""How queued updates are cut into CheckpointDurableExecution calls that respect the API's limits."""

from __future__ import annotations

from powertools_durable.service.wire import WireDict

MAX_BATCH_UPDATES = 250  # updates per call (the official SDK's max_batch_operations)
MAX_BATCH_BYTES = 750 * 1024  # what one call may carry; a single larger update (a 6 MB result) goes alone


def update_size(update: WireDict) -> int:
    """The bytes an update weighs in a request: its payload and error dominate; 200 covers the rest."""
    size = 200
    payload = update.get("Payload")
    if isinstance(payload, str):
        size += len(payload) if payload.isascii() else len(payload.encode())
    error = update.get("Error")
    if error:
        size += sum(len(str(value)) for value in error.values()) if isinstance(error, dict) else len(str(error))
    return size


def take_batch(queue: list[WireDict]) -> list[WireDict]:
    """Remove and return the longest prefix of ``queue`` that fits in one call (at least one update)."""
    count, total = 0, 0
    for update in queue:
        size = update_size(update)
        if count and (count == MAX_BATCH_UPDATES or total + size > MAX_BATCH_BYTES):
            break
        count += 1
        total += size
    batch = queue[:count]
    del queue[:count]
    return batch
