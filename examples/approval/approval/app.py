"""Charge an order once a manager approves it; give up after two days without an answer."""

from powertools_durable import CallbackConfig, CallbackError, DurableContext, Duration, durable_handler


@durable_handler
def handler(event: dict, context: DurableContext) -> dict:
    context.wait(Duration.from_hours(1), name="cool-off")  # skipped in tests
    approval = context.create_callback(name="approval", config=CallbackConfig(timeout=Duration.from_days(2)))
    context.step(lambda _: print(f"approve {event['order']}: {approval.callback_id}"), name="notify")
    try:
        decision = approval.result()  # the answer as sent (the default serdes hands it over unparsed)
    except CallbackError as exc:  # answered with a failure, or timed out
        return {"charged": False, "reason": f"{type(exc).__name__}: {exc}"}
    charged = context.step(lambda _: {"order": event["order"], "charged": True}, name="charge")
    return {**charged, "decision": decision}
