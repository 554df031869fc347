"""The two service calls the engine makes, behind a Protocol, and their boto3 implementation.

The boto3 client is created once per process (a Lambda cold start) and reused by every
invocation; boto3 is imported only when that first client is built, so importing a handler
module stays cheap.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Protocol

from powertools_durable.exceptions import CheckpointError, GetExecutionStateError
from powertools_durable.service.wire import WireDict

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient as Boto3LambdaClient

ENV_ENDPOINT = "AWS_ENDPOINT_URL_LAMBDA"
ENV_CLIENT_MAX_ATTEMPTS = "POWERTOOLS_DURABLE_CLIENT_MAX_ATTEMPTS"


class DurableServiceClient(Protocol):
    """CheckpointDurableExecution and GetDurableExecutionState, in their wire shapes."""

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[WireDict]) -> WireDict:
        """Send ``updates``; return ``{"CheckpointToken", "NewExecutionState": {"Operations", ...}}``."""
        ...

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> WireDict:
        """Return one page ``{"Operations": [...], "NextMarker": ...}`` of the execution's state."""
        ...


class Boto3ServiceClient:
    """:class:`DurableServiceClient` over a boto3 ``lambda`` client.

    Throttling and 5xx answers are retried by botocore's ``standard`` retry mode (exponential
    backoff with jitter); what still fails becomes a :class:`CheckpointError` /
    :class:`GetExecutionStateError`, which fails the invocation so Lambda retries it.
    """

    def __init__(self, client: Boto3LambdaClient) -> None:
        self.client = client

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[WireDict]) -> WireDict:
        try:
            response: Any = self.client.checkpoint_durable_execution(
                DurableExecutionArn=durable_execution_arn,
                CheckpointToken=checkpoint_token,
                Updates=updates,  # type: ignore[arg-type]
            )
        except Exception as exc:
            raise CheckpointError(f"CheckpointDurableExecution failed: {exc}") from exc
        return dict(response)

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> WireDict:
        try:
            response: Any = self.client.get_durable_execution_state(
                DurableExecutionArn=durable_execution_arn,
                CheckpointToken=checkpoint_token,
                Marker=marker,
                MaxItems=max_items,
            )
        except Exception as exc:
            raise GetExecutionStateError(f"GetDurableExecutionState failed: {exc}") from exc
        return dict(response)


_lock = threading.Lock()
_default_client: Boto3ServiceClient | None = None


def default_client() -> Boto3ServiceClient:
    """The process-wide client, built on first use (honours ``AWS_ENDPOINT_URL_LAMBDA``)."""
    global _default_client  # noqa: PLW0603 - one client per process, as Lambda reuses the environment
    if _default_client is None:
        with _lock:
            if _default_client is None:
                import boto3  # noqa: PLC0415 - ~150 ms; paid on first checkpoint, not at import
                from botocore.config import Config  # noqa: PLC0415

                max_attempts = int(os.environ.get(ENV_CLIENT_MAX_ATTEMPTS, "5"))
                config = Config(
                    connect_timeout=5,
                    read_timeout=50,
                    retries={"mode": "standard", "max_attempts": max_attempts},
                    user_agent_extra="powertools-durable",
                )
                _default_client = Boto3ServiceClient(boto3.client("lambda", config=config))
    return _default_client


def reset_default_client() -> None:
    """Forget the cached client (tests that change the endpoint between runs)."""
    global _default_client  # noqa: PLW0603
    _default_client = None
