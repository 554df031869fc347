"""Functions answering AWS's chained-invoke conformance requirements (5-x), and the functions they invoke."""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    DurableContext,
    Duration,
    InvokeConfig,
    InvokeError,
    SerDes,
    SerDesContext,
    durable_handler,
    durable_with_child_context,
)

logger = Logger(service="conformance")

# The invoked functions: their template logical ids on the emulator, their names (set in the
# environment) when deployed. They answer at once: the emulator lands a target's outcome only
# after the caller's InvocationCompleted, as Lambda does.
ECHO = os.environ.get("ECHO_FUNCTION", "ConformanceInvokeEchoFunction")
FAILING = os.environ.get("FAILING_FUNCTION", "ConformanceInvokeFailingFunction")
SIZE = os.environ.get("SIZE_FUNCTION", "ConformanceInvokeSizeFunction")


@durable_handler(logger=logger)
def echo(event: Any, context: DurableContext) -> Any:
    """Durable target: returns what it receives."""
    return event


@durable_handler(logger=logger)
def failing(event: Any, context: DurableContext) -> Any:
    """Durable target: always fails."""
    raise ValueError("the invoked function failed on purpose")


@durable_handler(logger=logger)
def size(event: Any, context: DurableContext) -> dict[str, int]:
    """Durable target: reports how large its input was."""
    return {"received_bytes": len(json.dumps(event))}


class UppercaseSerDes(SerDes[Any]):
    """5-15: writes the payload as JSON with every string value upper-cased."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return json.dumps({k: v.upper() if isinstance(v, str) else v for k, v in value.items()})

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return json.loads(data)


@durable_handler(logger=logger)
def invoke_echo(event: str, context: DurableContext) -> Any:  # 5-1
    return context.invoke(ECHO, event)


@durable_handler(logger=logger)
def invoke_named(event: dict[str, str], context: DurableContext) -> Any:  # 5-2
    return context.invoke(ECHO, event["payload"], name=event["name"])


@durable_handler(logger=logger)
def invoke_complex(event: dict[str, Any], context: DurableContext) -> Any:  # 5-3
    return context.invoke(ECHO, event)


@durable_handler(logger=logger)
def invoke_null(event: Any, context: DurableContext) -> Any:  # 5-4
    return context.invoke(ECHO, None)


@durable_handler(logger=logger)
def invoke_failing(event: Any, context: DurableContext) -> Any:  # 5-5
    return context.invoke(FAILING, {})


@durable_handler(logger=logger)
def invoke_failing_caught(event: Any, context: DurableContext) -> Any:  # 5-6
    try:
        return context.invoke(FAILING, {})
    except InvokeError:
        return "fallback"


@durable_handler(logger=logger)
def invoke_large_payload(event: Any, context: DurableContext) -> Any:  # 5-7
    return context.invoke(SIZE, {"data": "x" * (200 * 1024)})


@durable_handler(logger=logger)
def invoke_then_wait(event: Any, context: DurableContext) -> Any:  # 5-9
    result = context.invoke(ECHO, "cached")
    context.wait(Duration.from_seconds(1))
    return result


@durable_handler(logger=logger)
def invoke_failing_caught_then_wait(event: Any, context: DurableContext) -> Any:  # 5-10
    try:
        message = str(context.invoke(FAILING, {}))
    except InvokeError as error:
        message = f"caught: {error.message}"
    context.wait(Duration.from_seconds(1))
    return message


@durable_handler(logger=logger)
def step_then_invoke(event: Any, context: DurableContext) -> Any:  # 5-11
    value = context.step(lambda _: "from step", name="produce")
    return context.invoke(ECHO, value)


@durable_handler(logger=logger)
def invoke_then_step(event: Any, context: DurableContext) -> Any:  # 5-12
    value = context.invoke(ECHO, "from invoke")
    return context.step(lambda _: f"processed {value}", name="process")


@durable_with_child_context
def invoking_child(child: DurableContext) -> Any:
    return child.invoke(ECHO, "from child")


@durable_handler(logger=logger)
def invoke_in_child_context(event: Any, context: DurableContext) -> Any:  # 5-13
    return context.run_in_child_context(invoking_child())


@durable_handler(logger=logger)
def invoke_twice(event: Any, context: DurableContext) -> Any:  # 5-14
    first = context.invoke(ECHO, "first")
    second = context.invoke(ECHO, "second")
    return [first, second]


@durable_handler(logger=logger)
def invoke_custom_payload_serdes(event: dict[str, Any], context: DurableContext) -> Any:  # 5-15
    return context.invoke(ECHO, event, config=InvokeConfig(serdes_payload=UppercaseSerDes()))
