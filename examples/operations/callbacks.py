"""Callbacks: hand a callback id to an external system; result() suspends until it answers."""

from __future__ import annotations

from powertools_durable import (
    CallbackConfig,
    CallbackExternalError,
    CallbackTimeoutError,
    DurableContext,
    Duration,
    JsonSerDes,
    durable_execution,
)

outbox: list[dict] = []  # stands in for an email, a queue, a ticketing system...

approval = CallbackConfig(
    timeout=Duration.from_days(2),  # the whole answer; zero waits forever
    heartbeat_timeout=Duration.from_hours(1),  # between heartbeats; zero: none required
    serdes=JsonSerDes(),  # read the answer as JSON (default: the string as sent)
)


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    callback = context.create_callback(name="manager-approval", config=approval)
    context.step(lambda _: outbox.append({"approve": event["expense"], "reply_to": callback.callback_id}), name="ask")
    try:
        answer = callback.result()  # suspends, without compute, until the answer arrives
    except CallbackExternalError as error:  # answered with SendDurableExecutionCallbackFailure
        return {"approved": False, "reason": error.message}
    except CallbackTimeoutError:
        return {"approved": False, "reason": "nobody answered"}
    return {"approved": answer["approved"], "by": answer["by"]}
