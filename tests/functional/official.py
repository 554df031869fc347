"""AWS's official SDK over the in-memory service: what it expects of a boto3 ``lambda`` client.

Shared by the cross-SDK tests and ``data/record_official.py``; importing it does not import the SDK.
"""

from __future__ import annotations

from typing import Any

from powertools_durable.local.memory import InMemoryDurableService


class Boto3Shaped:
    """What the official SDK expects of a boto3 ``lambda`` client, over :class:`InMemoryDurableService`."""

    def __init__(self, service: InMemoryDurableService) -> None:
        self.service = service

    def checkpoint_durable_execution(self, **kwargs: Any) -> dict[str, Any]:
        return self.service.checkpoint(kwargs["DurableExecutionArn"], kwargs["CheckpointToken"], kwargs["Updates"])

    def get_durable_execution_state(self, **kwargs: Any) -> dict[str, Any]:
        return self.service.get_execution_state(
            kwargs["DurableExecutionArn"], kwargs["CheckpointToken"], kwargs["Marker"], kwargs.get("MaxItems", 1000)
        )
