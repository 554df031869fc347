"""Functions answering AWS's parallel conformance requirements (8-x), one handler per requirement."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from batch_views import projection

from powertools_durable import (
    CompletionConfig,
    DurableContext,
    Duration,
    NestingType,
    ParallelBranch,
    ParallelConfig,
    SerDes,
    SerDesContext,
    durable_handler,
)

logger = Logger(service="conformance")

SEQUENTIAL = ParallelConfig(max_concurrency=1)


def _fail(message: str) -> Any:
    raise RuntimeError(message)


def _returns(value: Any) -> Any:
    return lambda _ctx: value


def _fails(_ctx: DurableContext) -> Any:
    return _fail("branch failed on purpose")


def _sequential(completion: CompletionConfig, **fields: Any) -> ParallelConfig:
    return ParallelConfig(max_concurrency=1, completion_config=completion, **fields)


@durable_handler(logger=logger)
def parallel_basic(event: Any, context: DurableContext) -> list[Any]:  # 8-1
    branches = [lambda ctx: ctx.step(lambda _: "task-1"), lambda ctx: ctx.step(lambda _: "task-2")]
    return context.parallel(branches, name="parallel", config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def parallel_unnamed(event: Any, context: DurableContext) -> list[Any]:  # 8-2
    return context.parallel([_returns("alpha"), _returns("beta")], config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def parallel_named_branches(event: Any, context: DurableContext) -> list[Any]:  # 8-3
    branches = [ParallelBranch(_returns("one"), name="first"), ParallelBranch(_returns("two"), name="second")]
    return context.parallel(branches, name="named", config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def parallel_mixed_types(event: Any, context: DurableContext) -> list[Any]:  # 8-4
    branches = [_returns("hello"), _returns(42), _returns({"k": "v"})]
    return context.parallel(branches, config=SEQUENTIAL).get_results()


@durable_handler(logger=logger)
def parallel_empty(event: Any, context: DurableContext) -> list[Any]:  # 8-5
    return context.parallel([]).get_results()


@durable_handler(logger=logger)
def parallel_throw_if_error(event: Any, context: DurableContext) -> list[Any]:  # 8-7
    config = _sequential(CompletionConfig(tolerated_failure_count=0))
    result = context.parallel([_fails, _returns("never")], config=config)
    result.throw_if_error()
    return result.get_results()


@durable_handler(logger=logger)
def parallel_min_successful(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-8
    branches = [_returns(f"b{i}") for i in range(4)]
    result = context.parallel(branches, config=_sequential(CompletionConfig(min_successful=2)))
    return projection(result)


@durable_handler(logger=logger)
def parallel_tolerated_count(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-9
    config = _sequential(CompletionConfig(tolerated_failure_count=1))
    result = context.parallel([_returns("a"), _fails, _returns("c")], config=config)
    return projection(result, "status", "failureCount")


@durable_handler(logger=logger)
def parallel_count_exceeded(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-10
    config = _sequential(CompletionConfig(tolerated_failure_count=1))
    return projection(context.parallel([_fails, _fails, _returns("c")], config=config), "failureCount")


@durable_handler(logger=logger)
def parallel_concurrent(event: Any, context: DurableContext) -> list[Any]:  # 8-11
    branches = [_returns("r0"), _returns("r1"), _returns("r2")]
    return context.parallel(branches, config=ParallelConfig(max_concurrency=2)).get_results()


@durable_handler(logger=logger)
def parallel_flat(event: Any, context: DurableContext) -> list[Any]:  # 8-12
    branches = [lambda ctx: ctx.step(lambda _: "fa"), lambda ctx: ctx.step(lambda _: "fb")]
    config = ParallelConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    return context.parallel(branches, config=config).get_results()


@durable_handler(logger=logger)
def parallel_percentage_exceeded(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-13
    config = _sequential(CompletionConfig(tolerated_failure_percentage=25))
    return projection(context.parallel([_fails, _fails, _returns("c"), _returns("d")], config=config), "failureCount")


def _waits_then_returns(ctx: DurableContext) -> str:
    ctx.wait(Duration.from_seconds(2))
    return "b1"


@durable_handler(logger=logger)
def parallel_branch_waits(event: Any, context: DurableContext) -> list[Any]:  # 8-14
    branches = [lambda ctx: ctx.step(lambda _: "b0"), _waits_then_returns]
    return context.parallel(branches, config=SEQUENTIAL).get_results()


class WrappingSerDes(SerDes[Any]):
    """8-15: writes ``{"wrapped": v}``, reads ``v`` back."""

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        return json.loads(data)["wrapped"]


@durable_handler(logger=logger)
def parallel_item_serdes(event: Any, context: DurableContext) -> list[Any]:  # 8-15
    config = ParallelConfig(max_concurrency=1, item_serdes=WrappingSerDes())
    return context.parallel([_returns("x"), _returns("y")], config=config).get_results()


@durable_handler(logger=logger)
def parallel_all_fail_tolerated(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-16
    config = _sequential(CompletionConfig(tolerated_failure_count=3))
    return projection(context.parallel([_fails, _fails, _fails], config=config), "status", "failureCount")


@durable_handler(logger=logger)
def parallel_min_successful_unreached(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-17
    config = _sequential(CompletionConfig(min_successful=3))
    result = context.parallel([_returns("a"), _fails, _returns("c")], config=config)
    return projection(result, "status", "failureCount")


@durable_handler(logger=logger)
def parallel_tolerance_before_min(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-18
    config = _sequential(CompletionConfig(min_successful=3, tolerated_failure_count=1))
    branches = [_fails, _fails, _returns("c"), _returns("d")]
    return projection(context.parallel(branches, config=config), "failureCount")


@durable_handler(logger=logger)
def parallel_invalid_concurrency(event: Any, context: DurableContext) -> list[Any]:  # 8-19
    config = ParallelConfig(max_concurrency=0)  # raises ValidationError: the execution fails
    return context.parallel([_returns("a"), _returns("b")], config=config).get_results()


@durable_handler(logger=logger)
def parallel_accessors(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-20
    config = _sequential(CompletionConfig(tolerated_failure_count=1))
    result = context.parallel([_returns("a"), _fails, _returns("c")], config=config)
    return {
        "hasFailure": result.has_failure,
        "successCount": len(result.succeeded()),
        "failureCount": len(result.failed()),
        "errorCount": len(result.get_errors()),
    }


@durable_handler(logger=logger)
def parallel_percentage_at_limit(event: Any, context: DurableContext) -> dict[str, Any]:  # 8-22
    config = _sequential(CompletionConfig(tolerated_failure_percentage=25))
    branches = [_fails, _returns("b"), _returns("c"), _returns("d")]
    return projection(context.parallel(branches, config=config), "status", "failureCount")
