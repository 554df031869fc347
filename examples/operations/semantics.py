"""Step semantics: at most once per retry for side effects that must not repeat."""

from __future__ import annotations

from powertools_durable import DurableContext, StepConfig, StepContext, StepSemantics, durable_execution, durable_step

sent: list[str] = []


@durable_step
def send_wire_transfer(step: StepContext, account: str) -> str:
    sent.append(account)
    return f"transfer to {account}"


# START is checkpointed before the body runs; if the process dies mid-attempt, the next invocation
# treats the attempt as failed (StepInterruptedError, then the retry strategy) instead of running it again.
at_most_once = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    return context.step(send_wire_transfer(event["account"]), config=at_most_once)
