"""``context.wait_for_callback``: create a callback, hand its id to a submitter, wait for the answer.

Recorded as the official SDK records it: a child context of subtype ``WaitForCallback`` holding
the callback (``"<name> create callback id"``) and the submitter as a retried step
(``"<name> submitter"``). The child's failure is translated back at the call site, identically on
replay: a callback failure or timeout raises the callback's own error, a submitter that failed
for good raises :class:`CallbackSubmitterError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, NamedTuple, NoReturn, ParamSpec, TypeVar

from powertools_durable.config import ChildConfig, StepConfig, WaitForCallbackConfig
from powertools_durable.exceptions import (
    CallbackError,
    CallbackExternalError,
    CallbackSubmitterError,
    CallbackTimeoutError,
    ChildContextError,
    SerDesError,
)
from powertools_durable.operations.callback import create_callback
from powertools_durable.operations.child import run_child
from powertools_durable.serdes import declared_by, widened
from powertools_durable.service.wire import OperationSubType
from powertools_durable.types import OperationContext

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext
    from powertools_durable.types import StepContext

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class WaitForCallbackContext(OperationContext):
    """What a ``wait_for_callback`` submitter receives besides the callback id: the logger."""


# The error types a failed WaitForCallback child may have recorded, as written by this package or by
# the official SDK (an execution may move between the two mid-flight).
_MODULES = (CallbackError.__module__, "aws_durable_execution_sdk_python.exceptions")
_CALLBACK_ERRORS: dict[str, type[CallbackError]] = {
    f"{module}.{cls.__qualname__}": cls
    for module in _MODULES
    for cls in (CallbackError, CallbackExternalError, CallbackTimeoutError)
}
_SERDES_ERRORS = frozenset(f"{module}.{SerDesError.__qualname__}" for module in _MODULES)


class WaitPlan(NamedTuple):
    """The names and configs of a wait_for_callback's child, callback and submitter step (sync and async)."""

    name: str | None
    callback_name: str
    submitter_name: str
    step_config: StepConfig | None
    child_config: ChildConfig[Any] | None


def plan_wait_for_callback(
    ctx: DurableContext, submitter: Callable[..., Any], name: str | None, config: WaitForCallbackConfig | None
) -> WaitPlan:
    name = name or getattr(submitter, "_original_name", None)
    prefix = f"{name} " if name else ""
    step_config = StepConfig(retry_strategy=config.retry_strategy, serdes=config.serdes) if config else None
    # the child checkpoints the answer with the handler's serdes: let it decode the types config.serdes declares
    child_config: ChildConfig[Any] | None = (
        ChildConfig(serdes=widened(ctx.default_serdes, declared_by(config.serdes))) if config else None
    )
    return WaitPlan(name, f"{prefix}create callback id", f"{prefix}submitter", step_config, child_config)


def run_wait_for_callback(
    ctx: DurableContext,
    submitter: Callable[[str, WaitForCallbackContext], Any],
    name: str | None,
    config: WaitForCallbackConfig | None,
) -> Any:
    plan = plan_wait_for_callback(ctx, submitter, name, config)

    def wait_in_child(child: DurableContext) -> Any:
        callback = create_callback(child, plan.callback_name, config)

        def submit(step: StepContext) -> Any:
            return submitter(callback.callback_id, WaitForCallbackContext(step.logger))

        child.step(submit, name=plan.submitter_name, config=plan.step_config)
        return callback.result()

    try:
        return run_child(ctx, wait_in_child, plan.name, plan.child_config, OperationSubType.WAIT_FOR_CALLBACK)
    except ChildContextError as exc:
        raise_callback_failure(exc)


def raise_callback_failure(exc: ChildContextError) -> NoReturn:
    """The failure of a wait_for_callback's child as the caller sees it: the callback's error, or the submitter's."""
    fields = (exc.message, exc.error_type, exc.data, exc.stack_trace)
    callback_error = _CALLBACK_ERRORS.get(exc.error_type or "")
    if callback_error is not None:
        raise callback_error(*fields) from exc.__cause__
    if exc.error_type in _SERDES_ERRORS:
        raise exc
    raise CallbackSubmitterError(exc.message or "Callback submitter failed", None, exc.data, exc.stack_trace) from exc


def durable_wait_for_callback(
    func: Callable[Concatenate[str, WaitForCallbackContext, P], T],
) -> Callable[P, Callable[[str, WaitForCallbackContext], T]]:
    """Turn ``f(callback_id, context, *args)`` into ``f(*args)`` returning a submitter named ``f``.

    Example
    -------
    >>> @durable_wait_for_callback
    ... def request_approval(callback_id: str, context: WaitForCallbackContext, order_id: str) -> None: ...
    >>> context.wait_for_callback(request_approval("o-1"))  # doctest: +SKIP
    """

    def bind(*args: P.args, **kwargs: P.kwargs) -> Callable[[str, WaitForCallbackContext], T]:
        def submit(callback_id: str, context: WaitForCallbackContext) -> T:
            return func(callback_id, context, *args, **kwargs)

        submit._original_name = func.__name__  # type: ignore[attr-defined]
        return submit

    bind.__name__ = func.__name__
    bind.__doc__ = func.__doc__
    return bind
