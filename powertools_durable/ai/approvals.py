"""Human approval of a tool call as a durable callback, and Pydantic AI's external events as callbacks.

A tool that needs approval (``requires_approval=True``, or one that raises ``ApprovalRequired``)
ends its model turn with a deferred request. :class:`ToolApprovals` turns each such request into
``context.wait_for_callback``: the callback id goes to ``notify`` (a step: it runs once), the
execution suspends without compute until someone answers, and the run continues with the tool
approved or denied. The answer is data from outside: it must be the JSON object
``{"approved": true}`` or ``{"approved": false, "reason": "..."}``; anything else fails the
execution with :class:`ApprovalAnswerError`, which names the tool call. A callback answered with
a failure, or one that timed out, denies the call with that reason.

:class:`CallbackWaiter` does the same for Pydantic AI's ``wait_for_external_event`` (what its
``RequestInput`` capability waits with): the resume token is a callback id.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel, ConfigDict, JsonValue
from pydantic_ai.external_events import ExternalEventError, ExternalEventWaiter
from pydantic_ai.messages import ToolCallPart
from pydantic_ai.tools import DeferredToolRequests, DeferredToolResults, ToolApproved, ToolDenied

from powertools_durable.ai.exceptions import ApprovalAnswerError
from powertools_durable.config import CallbackConfig, Duration, StepConfig, WaitForCallbackConfig
from powertools_durable.exceptions import CallbackExternalError, CallbackTimeoutError
from powertools_durable.serdes import JsonSerDes

if TYPE_CHECKING:
    from powertools_durable.aio import AsyncDurableContext
    from powertools_durable.operations.wait_for_callback import WaitForCallbackContext

_MAX_SHOWN = 200  # characters of a bad answer quoted in the error


class ApprovalAnswer(BaseModel):
    """What the approver sends as the callback's result: ``{"approved": bool, "reason": str | null}``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    approved: bool
    reason: str | None = None


@dataclass(frozen=True)
class ApprovalRequest:
    """The tool call waiting for approval, as ``notify`` receives it with the callback id."""

    tool_name: str
    tool_call_id: str
    args: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


Notify = Callable[[str, ApprovalRequest], Awaitable[None] | None]


def _log_request(callback_id: str, request: ApprovalRequest, logger: Any) -> None:
    logger.info(
        "tool call awaits approval",
        extra={"callback_id": callback_id, "tool_name": request.tool_name, "tool_call_id": request.tool_call_id},
    )


@dataclass(frozen=True)
class ToolApprovals:
    """How tool calls that need approval are asked for (``PowertoolsDurability(approvals=...)``).

    Parameters
    ----------
    notify
        ``notify(callback_id, request)`` (sync or ``async def``) tells the approver; it runs as the
        callback's submitter step, once. ``None`` logs the callback id with ``context.logger``.
    timeout
        How long an approver has; the call is denied after it. Zero (the default) waits as long as
        the execution may run.
    name_prefix
        Each callback is named ``<name_prefix><tool name>`` (``approve-issue_refund``).
    """

    notify: Notify | None = None
    timeout: Duration = field(default_factory=Duration)
    name_prefix: str = "approve-"

    async def decide(self, context: AsyncDurableContext, requests: DeferredToolRequests) -> DeferredToolResults:
        """One callback per call needing approval (concurrently, ids in the response's order), then the decisions."""
        calls = list(requests.approvals)
        waits = [self._wait(context, call, requests.metadata.get(call.tool_call_id, {})) for call in calls]
        decisions = await asyncio.gather(*waits)
        return requests.build_results(approvals=dict(zip([c.tool_call_id for c in calls], decisions, strict=True)))

    def _wait(
        self, context: AsyncDurableContext, call: ToolCallPart, metadata: dict[str, Any]
    ) -> Awaitable[ToolApproved | ToolDenied]:
        request = ApprovalRequest(call.tool_name, call.tool_call_id, call.args_as_dict(), dict(metadata))
        notify = self.notify

        def submit(callback_id: str, submitter: WaitForCallbackContext) -> Awaitable[None] | None:
            if notify is None:
                _log_request(callback_id, request, submitter.logger)
                return None
            return notify(callback_id, request)

        config = WaitForCallbackConfig(timeout=self.timeout)
        # Taken now, in call order: the callback's id does not depend on when this task is scheduled.
        answer = context.wait_for_callback(submit, name=f"{self.name_prefix}{call.tool_name}", config=config)
        return _decided(context, request, answer)


async def _decided(
    context: AsyncDurableContext, request: ApprovalRequest, answer: Awaitable[Any]
) -> ToolApproved | ToolDenied:
    try:
        raw = await answer
    except CallbackTimeoutError as error:
        context.logger.info("tool call denied: no decision in time", extra={"tool_name": request.tool_name})
        return ToolDenied(f"No decision on this tool call arrived in time: {error}")
    except CallbackExternalError as error:
        context.logger.info("tool call denied by a failure answer", extra={"tool_name": request.tool_name})
        return ToolDenied(f"The approver rejected this tool call: {error}")
    decision = parse_answer(raw, request)
    context.logger.info(
        "tool call approved" if decision.approved else "tool call denied",
        extra={"tool_name": request.tool_name, "tool_call_id": request.tool_call_id, "reason": decision.reason},
    )
    if decision.approved:
        return ToolApproved()
    return ToolDenied(decision.reason or "The approver denied this tool call.")


def parse_answer(raw: Any, request: ApprovalRequest) -> ApprovalAnswer:
    """The approver's answer (a JSON string from outside), validated; a clear error otherwise."""
    try:
        if isinstance(raw, str | bytes):
            return ApprovalAnswer.model_validate_json(raw)
        return ApprovalAnswer.model_validate(raw)
    except pydantic.ValidationError as error:
        shown = repr(raw) if len(repr(raw)) <= _MAX_SHOWN else repr(raw)[:_MAX_SHOWN] + "..."
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in error.errors())
        raise ApprovalAnswerError(
            f"the answer to the approval of tool call {request.tool_call_id!r} ({request.tool_name}) must be "
            f'{{"approved": true|false, "reason": "..."}}, got {shown} ({problems})'
        ) from None


class CallbackWaiter(ExternalEventWaiter):
    """Pydantic AI's ``wait_for_external_event`` on a callback: the token is the callback id.

    ``ask`` runs as a step (recorded: a replay does not ask again); when it answers at once the
    callback is left to expire (set ``timeout``), otherwise the run suspends until it is answered
    with JSON.
    """

    def __init__(self, context: AsyncDurableContext) -> None:
        self._context = context

    async def wait(
        self, name: str, *, ask: Callable[[str], Awaitable[JsonValue]], timeout: timedelta | None
    ) -> JsonValue:
        seconds = 0 if timeout is None else max(1, int(timeout.total_seconds()))
        callback = await self._context.create_callback(name=name, config=CallbackConfig(timeout=Duration(seconds)))
        answered: JsonValue = await self._context.step(
            lambda _: ask(callback.callback_id), name=f"{name}.ask", config=StepConfig(serdes=JsonSerDes())
        )
        if answered is not None:
            return answered
        try:
            raw = await callback.result()
        except (CallbackTimeoutError, CallbackExternalError) as error:
            raise ExternalEventError(str(error)) from None
        try:
            payload: JsonValue = json.loads(raw) if isinstance(raw, str | bytes) else raw
        except ValueError as error:
            raise ExternalEventError(f"the answer to callback {name!r} is not JSON: {error}") from None
        return payload
