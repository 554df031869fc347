"""``context.wait``: suspend the execution, without compute, until the service's timer fires.

The service, not the SDK, completes the wait (WaitSucceeded is written when the timer fires),
so replay reads only the status: SUCCEEDED returns, anything else suspends again. Nothing
here reads the clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powertools_durable.config import Duration
from powertools_durable.exceptions import SuspendExecution, ValidationError
from powertools_durable.operations.effects import Core, drive
from powertools_durable.service.wire import OperationAction, OperationStatus, OperationSubType, OperationType

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext


def run_wait(ctx: DurableContext, duration: Duration, name: str | None) -> None:
    drive(wait_core(ctx, duration, name), ctx.state)


def wait_core(ctx: DurableContext, duration: Duration, name: str | None) -> Core[None]:
    """The wait as effects: its START acknowledged, then return (the timer fired) or suspend."""
    seconds = duration.to_seconds()
    if seconds < 1:
        raise ValidationError(f"a wait must last at least 1 second, got {seconds}")
    op = ctx.begin_operation(OperationType.WAIT, OperationSubType.WAIT, name)
    if op.recorded is None:
        yield op.update(OperationAction.START, WaitOptions={"WaitSeconds": seconds})
    current = ctx.state.get(op.id)
    if current is not None and current["Status"] in (OperationStatus.SUCCEEDED, OperationStatus.CANCELLED):
        return
    raise SuspendExecution(f"wait {op.label} for {seconds}s")
