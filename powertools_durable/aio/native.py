"""The operations an :class:`~powertools_durable.aio.context.AsyncDurableContext` runs on the event loop.

Each drives the sync operation's generator of effects (``operations/*``) with
:func:`~powertools_durable.aio.driver.drive_async`; ``ctx`` is the sync context pinned to the id
the operation took when it was called, so the operation begins (and checks its id) when awaited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.aio.driver import drive_async, is_async_function
from powertools_durable.exceptions import ChildContextError
from powertools_durable.operations.callback import Callback, callback_core
from powertools_durable.operations.child import begin_child, child_core
from powertools_durable.operations.invoke import invoke_core
from powertools_durable.operations.step import Attempt, open_step, step_attempt
from powertools_durable.operations.wait import wait_core
from powertools_durable.operations.wait_for_callback import plan_wait_for_callback, raise_callback_failure
from powertools_durable.service.wire import OperationSubType

if TYPE_CHECKING:
    from powertools_durable.aio.context import AsyncDurableContext
    from powertools_durable.aio.runner import AsyncRunner
    from powertools_durable.config import (
        CallbackConfig,
        ChildConfig,
        Duration,
        InvokeConfig,
        StepConfig,
        WaitForCallbackConfig,
    )
    from powertools_durable.context import DurableContext
    from powertools_durable.types import StepContext

T = TypeVar("T")


async def step(
    ctx: DurableContext, func: Callable[..., Any], name: str | None, config: StepConfig | None, runner: AsyncRunner
) -> Any:
    opened = open_step(ctx, func, name, config)
    if opened.__class__ is not Attempt:
        return opened  # replayed: the recorded result, no effect to drive
    return await drive_async(step_attempt(ctx, func, opened), ctx.state, runner)


async def wait(ctx: DurableContext, duration: Duration, name: str | None, runner: AsyncRunner) -> None:
    await drive_async(wait_core(ctx, duration, name), ctx.state, runner)


async def child(
    ctx: DurableContext,
    func: Callable[..., Any],
    name: str | None,
    config: ChildConfig[Any] | None,
    runner: AsyncRunner,
    sub_type: str | None = None,
) -> Any:
    op, config = begin_child(ctx, func, name, config, sub_type)
    return await drive_async(child_core(ctx, op, func, config), ctx.state, runner)


async def create_callback(
    ctx: DurableContext, name: str | None, config: CallbackConfig | None, runner: AsyncRunner
) -> Callback[Any]:
    return await drive_async(callback_core(ctx, name, config), ctx.state, runner)


async def invoke(
    ctx: DurableContext,
    function_name: str,
    payload: Any,
    name: str | None,
    config: InvokeConfig[Any, T] | None,
    runner: AsyncRunner,
) -> T:
    return await drive_async(invoke_core(ctx, function_name, payload, name, config), ctx.state, runner)


async def wait_for_callback(
    ctx: DurableContext,
    submitter: Callable[[str, Any], Any],
    name: str | None,
    config: WaitForCallbackConfig | None,
    parent: AsyncDurableContext,
    runner: AsyncRunner,
) -> Any:
    """The sync composition (``run_wait_for_callback``), awaited: the same names, configs and errors."""
    plan = plan_wait_for_callback(ctx, submitter, name, config)

    async def wait_in_child(child_context: AsyncDurableContext) -> Any:
        callback = await child_context.create_callback(plan.callback_name, config)
        submit = _submitting(submitter, callback.callback_id)
        await child_context.step(submit, name=plan.submitter_name, config=plan.step_config)
        return await callback.result()

    wait_on_loop = parent._child_on_loop(wait_in_child)
    try:
        return await child(ctx, wait_on_loop, plan.name, plan.child_config, runner, OperationSubType.WAIT_FOR_CALLBACK)
    except ChildContextError as exc:
        raise_callback_failure(exc)


def _submitting(submitter: Callable[[str, Any], Any], callback_id: str) -> Callable[[StepContext], Any]:
    """The submitter step's body: ``async def`` (on the loop) when the submitter is one, else a thread's."""
    from powertools_durable.operations.wait_for_callback import WaitForCallbackContext  # noqa: PLC0415

    if is_async_function(submitter):

        async def submit_async(step: StepContext) -> Any:
            return await submitter(callback_id, WaitForCallbackContext(step.logger))

        return submit_async

    def submit(step: StepContext) -> Any:
        return submitter(callback_id, WaitForCallbackContext(step.logger))

    return submit
