"""Functions answering AWS's map conformance requirements (9-x), one handler per requirement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger
from batch_views import projection

from powertools_durable import (
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CompletionConfig,
    CompletionReason,
    DurableContext,
    Duration,
    ExtendedTypeSerDes,
    MapConfig,
    NestingType,
    SerDes,
    SerDesContext,
    durable_handler,
)

logger = Logger(service="conformance")

SEQUENTIAL: MapConfig[Any] = MapConfig(max_concurrency=1)


def _sequential(completion: CompletionConfig, **fields: Any) -> MapConfig[Any]:
    return MapConfig(max_concurrency=1, completion_config=completion, **fields)


def _fails_on(*bad: int) -> Any:
    def run(ctx: DurableContext, item: Any, index: int, items: Sequence[Any]) -> Any:
        if index in bad:
            raise RuntimeError(f"item {index} failed on purpose")
        return "ok"

    return run


@durable_handler(logger=logger)
def map_basic(event: list[str], context: DurableContext) -> list[Any]:  # 9-1
    def greet(ctx: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
        return ctx.step(lambda _: f"Hello, {item}!")

    return context.map(event, greet, name="map", config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def map_unnamed(event: list[int], context: DurableContext) -> list[Any]:  # 9-2
    return context.map(event, lambda ctx, item, index, items: item * 2, config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def map_item_and_index(event: list[int], context: DurableContext) -> list[Any]:  # 9-3
    return context.map(event, lambda ctx, item, index, items: item + index, config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def map_fail_fast(event: Any, context: DurableContext) -> dict[str, Any]:  # 9-5
    config = _sequential(CompletionConfig(tolerated_failure_count=0))
    return projection(context.map([0, 1, 2], _fails_on(1), config=config), "status", "failureCount")


@durable_handler(logger=logger)
def map_throw_if_error(event: Any, context: DurableContext) -> list[Any]:  # 9-6
    config = _sequential(CompletionConfig(tolerated_failure_count=0))
    result = context.map([0, 1], _fails_on(0), config=config)
    result.throw_if_error()
    return result.get_results()


@durable_handler(logger=logger)
def map_min_successful(event: Any, context: DurableContext) -> dict[str, Any]:  # 9-7
    return projection(context.map([0, 1, 2, 3], _fails_on(), config=_sequential(CompletionConfig(min_successful=2))))


@durable_handler(logger=logger)
def map_tolerated_count(event: Any, context: DurableContext) -> dict[str, Any]:  # 9-8
    config = _sequential(CompletionConfig(tolerated_failure_count=1))
    return projection(context.map([0, 1, 2], _fails_on(1), config=config), "status", "failureCount")


@durable_handler(logger=logger)
def map_count_exceeded(event: Any, context: DurableContext) -> dict[str, Any]:  # 9-9
    config = _sequential(CompletionConfig(tolerated_failure_count=1))
    return projection(context.map([0, 1, 2], _fails_on(0, 1), config=config), "failureCount")


@durable_handler(logger=logger)
def map_percentage_exceeded(event: Any, context: DurableContext) -> dict[str, Any]:  # 9-10
    config = _sequential(CompletionConfig(tolerated_failure_percentage=25))
    return projection(context.map([0, 1, 2, 3], _fails_on(0, 1), config=config), "failureCount")


@durable_handler(logger=logger)
def map_concurrent(event: Any, context: DurableContext) -> list[Any]:  # 9-11
    config: MapConfig[int] = MapConfig(max_concurrency=2)
    return context.map([0, 1, 2], lambda ctx, item, index, items: f"r{index}", config=config).get_results()


@durable_handler(logger=logger)
def map_flat(event: Any, context: DurableContext) -> list[Any]:  # 9-12
    config: MapConfig[str] = MapConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    return context.map(
        ["fa", "fb"], lambda ctx, item, index, items: ctx.step(lambda _: item), config=config
    ).get_results()


@durable_handler(logger=logger)
def map_item_namer(event: list[int], context: DurableContext) -> list[Any]:  # 9-13
    config: MapConfig[int] = MapConfig(max_concurrency=1, item_namer=lambda item, index: f"item-{item}")
    return context.map(event, lambda ctx, item, index, items: item * 10, config=config).get_results()


def _wait_in_second(ctx: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
    if index == 1:
        ctx.wait(Duration.from_seconds(1))
    return ctx.step(lambda _: item)


@durable_handler(logger=logger)
def map_wait_inside(event: Any, context: DurableContext) -> list[Any]:  # 9-15
    return context.map(["r0", "r1"], _wait_in_second, config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def map_large_result(event: Any, context: DurableContext) -> dict[str, Any]:  # 9-16
    result = context.map([0, 1, 2, 3], lambda ctx, item, index, items: "x" * 70_000, config=SEQUENTIAL)
    return {"successCount": result.success_count, "totalCount": result.total_count}


def _upper(ctx: DurableContext, item: str, index: int, items: Sequence[str]) -> str:
    return item.upper()


@durable_handler(logger=logger)
def map_then_wait(event: Any, context: DurableContext) -> list[Any]:  # 9-17
    result = context.map(["a", "b"], _upper, config=SEQUENTIAL)
    context.wait(Duration.from_seconds(1))
    return result.get_results()


@durable_handler(logger=logger)
def map_failure_then_wait(event: Any, context: DurableContext) -> dict[str, Any]:  # 9-18
    result = context.map([0, 1], _fails_on(1), config=_sequential(CompletionConfig(tolerated_failure_count=1)))
    context.wait(Duration.from_seconds(1))
    return projection(result, "status", "failureCount")


class OpSerDes(SerDes[BatchResult[str]]):
    """9-19, 9-20: the whole map result as ``OPSERDE:<results joined by commas>``."""

    def serialize(self, value: BatchResult[str], serdes_context: SerDesContext) -> str:
        return "OPSERDE:" + ",".join(value.get_results())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> BatchResult[str]:
        results = data.removeprefix("OPSERDE:").split(",")
        items = [BatchItem(index, BatchItemStatus.SUCCEEDED, result) for index, result in enumerate(results)]
        return BatchResult(items, CompletionReason.ALL_COMPLETED)


OPERATION_SERDES: MapConfig[str] = MapConfig(max_concurrency=1, serdes=OpSerDes(), item_serdes=ExtendedTypeSerDes())


@durable_handler(logger=logger)
def map_operation_serdes(event: Any, context: DurableContext) -> list[Any]:  # 9-19
    return context.map(["x", "y"], _upper, config=OPERATION_SERDES).get_results()


@durable_handler(logger=logger)
def map_operation_serdes_replayed(event: Any, context: DurableContext) -> list[Any]:  # 9-20
    result = context.map(["x", "y"], _upper, config=OPERATION_SERDES)
    context.wait(Duration.from_seconds(1))
    return result.get_results()
