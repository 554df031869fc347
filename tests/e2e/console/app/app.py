"""Durable functions the console's browser tests drive (run in the emulator's worker processes)."""

from __future__ import annotations

from typing import Any

from powertools_durable import (
    CallbackConfig,
    DurableContext,
    Duration,
    StepConfig,
    StepContext,
    durable_execution,
)
from powertools_durable.retries import RetryDecision


def _flaky(step: StepContext) -> str:
    if step.attempt < 3:
        raise ConnectionError(f"warehouse unreachable (attempt {step.attempt})")
    return "reserved"


def _retry_in_two_seconds(error: Exception, attempt: int) -> RetryDecision:
    return RetryDecision.retry(Duration.from_seconds(2)) if attempt < 5 else RetryDecision.no_retry()


def _branch(label: str, seconds: int) -> Any:
    def branch(ctx: DurableContext) -> str:
        ctx.wait(Duration.from_seconds(seconds), name=f"{label}-wait")
        return ctx.step(lambda _: f"{label} done", name=f"{label}-step")

    return branch


def _item(ctx: DurableContext, item: int, index: int, items: Any) -> int:
    return ctx.step(lambda _: item * item, name=f"square-{item}")


@durable_execution
def order(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """A tour of every kind of operation: retries, parallel branches, a map, a chained invoke, a callback."""
    order_id = event.get("order", "o-1")
    context.step(lambda _: {"order": order_id, "total": 42}, name="validate")
    stock = context.step(_flaky, name="reserve-stock", config=StepConfig(retry_strategy=_retry_in_two_seconds))
    checks = context.parallel([_branch("fraud", 3), _branch("credit", 5)], name="checks")
    squares = context.map([1, 2, 3], _item, name="price-lines")
    invoice = context.invoke("Invoice", {"order": order_id}, name="invoice")
    callback = context.create_callback(name="approval", config=CallbackConfig(timeout=Duration.from_seconds(3600)))
    approval = callback.result()
    return {
        "order": order_id,
        "stock": stock,
        "checks": checks.get_results(),
        "squares": squares.get_results(),
        "invoice": invoice,
        "approval": approval,
    }


@durable_execution
def invoice(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """The target of ``order``'s chained invoke."""
    number = context.step(lambda _: f"INV-{event.get('order')}", name="number")
    context.wait(Duration.from_seconds(2), name="post")
    return {"invoice": number}


@durable_execution
def approval(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    """A step, a callback someone answers, a step."""
    context.step(lambda _: "prepared", name="prepare")
    answer = context.wait_for_callback(
        lambda callback_id, _: print(f"approval requested: {callback_id}"), name="approval"
    )
    return context.step(lambda _: {"approved": answer}, name="ship")


@durable_execution
def pause(event: dict[str, Any], context: DurableContext) -> str:
    """A step, a wait of ``seconds`` (modelled), a step."""
    context.step(lambda _: "before", name="before")
    context.wait(Duration.from_seconds(int(event.get("seconds", 30))), name="pause")
    return context.step(lambda _: "after", name="after")


@durable_execution
def echo(event: Any, context: DurableContext) -> Any:
    """Returns its input through a step (named by ``step``): what people type, or attackers send, shows in the page."""
    print(f"echo got {event!r}")
    name = event.get("step") if isinstance(event, dict) else None
    return context.step(lambda _: event, name=str(name or "echo"))
