"""The two service calls the engine makes, behind a Protocol, and the process-wide default client.

The default client is created once per process (a Lambda cold start) and reused by every
invocation. On Lambda it is the standard-library client of
:mod:`powertools_durable.service.http_client` (no boto3 import on the cold path); elsewhere, or
with ``POWERTOOLS_DURABLE_CLIENT=boto3``, it is :class:`Boto3ServiceClient`, with boto3 imported
only when that first client is built, so importing a handler module stays cheap either way.
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


ENV_CLIENT = "POWERTOOLS_DURABLE_CLIENT"

_lock = threading.Lock()
_default_client: DurableServiceClient | None = None


def default_client() -> DurableServiceClient:
    """The process-wide client, built on first use (honours ``AWS_ENDPOINT_URL_LAMBDA``).

    With credentials in the environment (always so on Lambda) it is the standard-library
    :class:`~powertools_durable.service.http_client.HttpServiceClient`: a cold start then does not
    pay ~150 ms for importing boto3 and building its client (see that module and
    benchmarks/README.md). ``POWERTOOLS_DURABLE_CLIENT=boto3``, or credentials that only boto3 can
    find (profiles, SSO, instance metadata), select boto3.
    """
    global _default_client  # noqa: PLW0603 - one client per process, as Lambda reuses the environment
    if _default_client is None:
        with _lock:
            if _default_client is None:
                _default_client = _build_default_client()
    return _default_client


def _build_default_client() -> DurableServiceClient:
    if os.environ.get(ENV_CLIENT, "").strip().lower() != "boto3":
        from powertools_durable.service.http_client import HttpServiceClient  # noqa: PLC0415 - stdlib only

        http_client = HttpServiceClient.from_env()
        if http_client is not None:
            return http_client
    import boto3  # noqa: PLC0415 - ~150 ms; paid on first checkpoint, not at import
    from botocore.config import Config  # noqa: PLC0415

    max_attempts = int(os.environ.get(ENV_CLIENT_MAX_ATTEMPTS, "5"))
    config = Config(
        connect_timeout=5,
        read_timeout=50,
        retries={"mode": "standard", "max_attempts": max_attempts},
        user_agent_extra="powertools-durable",
    )
    return Boto3ServiceClient(boto3.client("lambda", config=config))


def reset_default_client() -> None:
    """Forget the cached client (tests that change the endpoint between runs)."""
    global _default_client  # noqa: PLW0603
    _default_client = None
