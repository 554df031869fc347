"""Functions answering AWS's callback (4-x) and wait_for_callback (7-x) conformance requirements."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    CallbackConfig,
    CallbackError,
    DurableContext,
    Duration,
    JitterStrategy,
    JsonSerDes,
    RetryStrategyConfig,
    SerDes,
    SerDesContext,
    WaitForCallbackConfig,
    WaitForCallbackContext,
    create_retry_strategy,
    durable_handler,
    durable_with_child_context,
)

logger = Logger(service="conformance")


class ReceivedSerDes(SerDes[dict[str, Any]]):
    """4-15: reads the answer into a typed record, its ISO timestamp as epoch seconds."""

    def serialize(self, value: dict[str, Any], serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> dict[str, Any]:
        raw = json.loads(data)
        stamp = datetime.fromisoformat(raw["timestamp"].replace("Z", "+00:00"))
        return {"id": raw["id"], "message": raw["message"], "timestamp": int(stamp.timestamp())}


class NumberSerDes(SerDes[int]):
    """4-16: reads the answer as a number."""

    def serialize(self, value: int, serdes_context: SerDesContext) -> str:
        return str(value)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> int:
        return int(json.loads(data))


def _wait_for(context: DurableContext, name: str, config: CallbackConfig | None = None) -> Any:
    return context.create_callback(name=name, config=config).result()


@durable_handler(logger=logger)
def callback_basic(event: str, context: DurableContext) -> Any:  # 4-1
    return _wait_for(context, event)


@durable_handler(logger=logger)
def callback_named(event: Any, context: DurableContext) -> Any:  # 4-2
    return _wait_for(context, "approval")


@durable_handler(logger=logger)
def callback_timeout(event: str, context: DurableContext) -> Any:  # 4-3
    return _wait_for(context, event, CallbackConfig(timeout=Duration.from_seconds(5)))


@durable_handler(logger=logger)
def callback_heartbeat_timeout(event: str, context: DurableContext) -> Any:  # 4-4
    return _wait_for(context, event, CallbackConfig(heartbeat_timeout=Duration.from_seconds(5)))


@durable_handler(logger=logger)
def callback_heartbeat_then_success(event: str, context: DurableContext) -> Any:  # 4-5
    return _wait_for(context, event, CallbackConfig(heartbeat_timeout=Duration.from_seconds(10)))


@durable_handler(logger=logger)
def callback_failure(event: str, context: DurableContext) -> Any:  # 4-6
    return _wait_for(context, event)


@durable_handler(logger=logger)
def callback_step_then_failure(event: str, context: DurableContext) -> Any:  # 4-7
    callback = context.create_callback(name=event)
    context.step(lambda _: "work done", name="work")
    return callback.result()


@durable_handler(logger=logger)
def callback_step_then_timeout(event: str, context: DurableContext) -> Any:  # 4-8
    callback = context.create_callback(name=event, config=CallbackConfig(timeout=Duration.from_seconds(5)))
    context.step(lambda _: "work done", name="work")
    return callback.result()


@durable_handler(logger=logger)
def callback_fails_during_wait(event: str, context: DurableContext) -> Any:  # 4-10
    callback = context.create_callback(name=event)
    context.wait(Duration.from_seconds(5))
    return callback.result()


@durable_handler(logger=logger)
def callback_times_out_during_wait(event: str, context: DurableContext) -> Any:  # 4-11
    callback = context.create_callback(name=event, config=CallbackConfig(timeout=Duration.from_seconds(3)))
    context.wait(Duration.from_seconds(6))
    return callback.result()


@durable_handler(logger=logger)
def callback_then_wait(event: str, context: DurableContext) -> Any:  # 4-12
    result = _wait_for(context, event)
    context.wait(Duration.from_seconds(2))
    return result


@durable_handler(logger=logger)
def callback_failure_caught_then_wait(event: str, context: DurableContext) -> str:  # 4-13
    try:
        message = str(_wait_for(context, event))
    except CallbackError as error:
        message = f"callback failed: {error.message}"
    context.wait(Duration.from_seconds(2))
    return message


@durable_handler(logger=logger)
def callback_custom_deserializer(event: str, context: DurableContext) -> dict[str, Any]:  # 4-15
    return {"received": _wait_for(context, event, CallbackConfig(serdes=ReceivedSerDes()))}


@durable_handler(logger=logger)
def callback_number_deserializer(event: str, context: DurableContext) -> dict[str, int]:  # 4-16
    count: int = _wait_for(context, event, CallbackConfig(serdes=NumberSerDes()))
    return {"count": count, "doubled": count * 2}


@durable_handler(logger=logger)
def callback_sequential(event: list[str], context: DurableContext) -> list[Any]:  # 4-17
    first = _wait_for(context, event[0])
    second = _wait_for(context, event[1])
    return [first, second]


@durable_handler(logger=logger)
def callback_concurrent(event: list[str], context: DurableContext) -> list[Any]:  # 4-18
    a = context.create_callback(name=event[0])
    b = context.create_callback(name=event[1])
    return [a.result(), b.result()]


@durable_handler(logger=logger)
def callback_concurrent_reversed(event: list[str], context: DurableContext) -> list[Any]:  # 4-19
    a = context.create_callback(name=event[0])
    b = context.create_callback(name=event[1])
    second = b.result()
    return [a.result(), second]


def submit(callback_id: str, context: WaitForCallbackContext) -> None:
    context.logger.info(f"submitted callback {callback_id}")


def _always_fails(callback_id: str, context: WaitForCallbackContext) -> None:
    raise RuntimeError("the external system refused the submission")


@durable_handler(logger=logger)
def wfc_basic(event: str, context: DurableContext) -> Any:  # 7-1
    return context.wait_for_callback(submit, name=event)


@durable_handler(logger=logger)
def wfc_named(event: Any, context: DurableContext) -> Any:  # 7-2
    return context.wait_for_callback(submit, name="approval")


@durable_handler(logger=logger)
def wfc_failure(event: str, context: DurableContext) -> Any:  # 7-4
    return context.wait_for_callback(submit, name=event)


@durable_handler(logger=logger)
def wfc_timeout(event: str, context: DurableContext) -> Any:  # 7-5
    return context.wait_for_callback(submit, name=event, config=WaitForCallbackConfig(timeout=Duration(3)))


@durable_handler(logger=logger)
def wfc_failure_caught(event: str, context: DurableContext) -> Any:  # 7-6
    try:
        return context.wait_for_callback(submit, name=event)
    except CallbackError:
        return "recovered"


@durable_handler(logger=logger)
def wfc_submitter_retries_exhausted(event: str, context: DurableContext) -> Any:  # 7-7
    strategy = create_retry_strategy(
        RetryStrategyConfig(max_attempts=2, initial_delay=Duration(1), jitter_strategy=JitterStrategy.NONE)
    )
    return context.wait_for_callback(_always_fails, name=event, config=WaitForCallbackConfig(retry_strategy=strategy))


@durable_with_child_context
def wrapper(child: DurableContext, name: str) -> Any:
    return child.wait_for_callback(submit, name=name)


@durable_handler(logger=logger)
def wfc_in_child_context(event: str, context: DurableContext) -> Any:  # 7-8
    return context.run_in_child_context(wrapper(event))


@durable_handler(logger=logger)
def wfc_two_in_a_row(event: Any, context: DurableContext) -> Any:  # 7-9
    context.wait_for_callback(submit, name="first")
    return context.wait_for_callback(submit, name="second")


@durable_handler(logger=logger)
def wfc_json_result(event: str, context: DurableContext) -> Any:  # 7-11
    result = context.wait_for_callback(submit, name=event, config=WaitForCallbackConfig(serdes=JsonSerDes()))
    return result["status"]


@durable_handler(logger=logger)
def wfc_heartbeat_timeout(event: str, context: DurableContext) -> Any:  # 7-12
    config = WaitForCallbackConfig(heartbeat_timeout=Duration(5))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_handler(logger=logger)
def wfc_heartbeat_then_success(event: str, context: DurableContext) -> Any:  # 7-13
    config = WaitForCallbackConfig(heartbeat_timeout=Duration(10))
    return context.wait_for_callback(submit, name=event, config=config)


@durable_handler(logger=logger)
def wfc_timeout_caught(event: str, context: DurableContext) -> Any:  # 7-14
    try:
        return context.wait_for_callback(submit, name=event, config=WaitForCallbackConfig(timeout=Duration(3)))
    except CallbackError:
        return "timed-out-handled"


@durable_handler(logger=logger)
def wfc_empty_success(event: str, context: DurableContext) -> Any:  # 7-15
    return context.wait_for_callback(submit, name=event)
