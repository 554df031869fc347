"""``context.parallel`` and ``context.map``: one CONTEXT operation (``Parallel`` / ``Map``) whose branches
are child contexts (``ParallelBranch`` / ``MapIteration``), run concurrently by
:class:`~powertools_durable.concurrency.executor.BatchExecutor`.

The batch's :class:`BatchResult` is checkpointed as the parent's result (SUCCEED), so a replay of a
finished batch returns it without touching the branches. A result over the checkpoint limit is
replaced by the completion record (ReplayChildren), and a replay rebuilds it from the branches'
checkpoints as that record says. A batch interrupted mid-flight (a branch suspended) runs again:
finished branches replay from their checkpoints, the others resume.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from powertools_durable.concurrency.config import MapConfig, ParallelBranch, ParallelConfig, SummaryGenerator
from powertools_durable.config import ChildConfig
from powertools_durable.service.wire import OperationStatus, OperationSubType, OperationType

if TYPE_CHECKING:
    from powertools_durable.concurrency.batch import BatchResult
    from powertools_durable.concurrency.executor import BatchSpec, Executable
    from powertools_durable.context import DurableContext
    from powertools_durable.serdes import SerDes

T = TypeVar("T")
U = TypeVar("U")
P = ParamSpec("P")


def run_parallel(
    ctx: DurableContext,
    functions: Sequence[Callable[[DurableContext], T] | ParallelBranch[T]],
    name: str | None,
    config: ParallelConfig | None,
) -> BatchResult[T]:
    from powertools_durable.concurrency.executor import Executable  # noqa: PLC0415 - threads on use

    if config is not None:
        config.completion_config._validate_for_total(len(functions))
    config = config or ParallelConfig()
    spec = _spec(OperationSubType.PARALLEL_BRANCH, "parallel-branch-", config)

    def executables() -> list[Executable[T]]:
        return [
            Executable(index, func, func.name if isinstance(func, ParallelBranch) else None)
            for index, func in enumerate(functions)
        ]

    summary = config.summary_generator
    return _run_batch(ctx, OperationSubType.PARALLEL, name, "ParallelResult", executables, spec, config.serdes, summary)


def run_map(
    ctx: DurableContext,
    inputs: Sequence[U],
    func: Callable[[DurableContext, U, int, Sequence[U]], T],
    name: str | None,
    config: MapConfig[U] | None,
) -> BatchResult[T]:
    from powertools_durable.concurrency.executor import Executable  # noqa: PLC0415 - threads on use

    name = name or getattr(func, "_original_name", None)
    if config is not None:
        config.completion_config._validate_for_total(len(inputs))
    config = config or MapConfig()
    spec = _spec(OperationSubType.MAP_ITERATION, "map-item-", config)
    namer = config.item_namer

    def bind(index: int, item: U) -> Callable[[DurableContext], T]:
        return lambda child: func(child, item, index, inputs)

    def executables() -> list[Executable[T]]:  # item_namer runs inside the operation: its error fails the map
        return [
            Executable(index, bind(index, item), namer(item, index) if namer else None)
            for index, item in enumerate(inputs)
        ]

    return _run_batch(
        ctx, OperationSubType.MAP, name, "MapResult", executables, spec, config.serdes, config.summary_generator
    )


def _spec(sub_type: str, name_prefix: str, config: ParallelConfig | MapConfig[Any]) -> BatchSpec:
    """What the executor needs of either config; a branch's serdes falls back to the batch's."""
    from powertools_durable.concurrency.executor import BatchSpec  # noqa: PLC0415

    serdes = config.item_serdes or config.serdes
    return BatchSpec(
        sub_type, name_prefix, config.max_concurrency, config.completion_config, serdes, config.nesting_type
    )


def _run_batch(
    ctx: DurableContext,
    sub_type: str,
    name: str | None,
    result_type: str,
    executables: Callable[[], list[Executable[T]]],
    spec: BatchSpec,
    serdes: SerDes[Any] | None,
    summary_generator: SummaryGenerator | None,
) -> BatchResult[T]:
    from powertools_durable.concurrency.executor import BatchExecutor  # noqa: PLC0415
    from powertools_durable.concurrency.policy import CompletionRecord, envelope_summary_generator  # noqa: PLC0415
    from powertools_durable.operations.child import run_child_operation  # noqa: PLC0415

    op = ctx.begin_operation(OperationType.CONTEXT, sub_type, name)

    def body(batch_context: DurableContext) -> BatchResult[T]:
        executor = BatchExecutor(batch_context, executables(), spec)
        recorded = op.recorded
        if recorded is not None and recorded["Status"] == OperationStatus.SUCCEEDED:  # only with ReplayChildren
            summary = (recorded.get("ContextDetails") or {}).get("Result")
            return executor.replay(CompletionRecord.from_summary_payload(summary))
        return executor.execute()

    config: ChildConfig[Any] = ChildConfig(
        serdes=serdes, summary_generator=envelope_summary_generator(result_type, summary_generator)
    )
    # Under the default format a BatchResult of round-tripped items round-trips unchanged: decoding the
    # whole batch again would only cost time (a third of a 1,000-item map's).
    as_built = serdes is None and spec.serdes is None and ctx.default_serdes is None
    result: BatchResult[T] = run_child_operation(ctx, op, body, config, decode_result=not as_built)
    return result


def durable_parallel_branch(
    name: str | None = None,
) -> Callable[[Callable[Concatenate[DurableContext, P], T]], Callable[P, ParallelBranch[T]]]:
    """Turn ``f(context, *args)`` into ``f(*args)`` returning a :class:`ParallelBranch` named ``name``.

    Example
    -------
    >>> @durable_parallel_branch(name="fetch-user")
    ... def fetch_user(ctx: DurableContext, user_id: str) -> dict: ...
    >>> context.parallel([fetch_user("u-1")])  # doctest: +SKIP
    """

    def decorator(func: Callable[Concatenate[DurableContext, P], T]) -> Callable[P, ParallelBranch[T]]:
        def bind(*args: P.args, **kwargs: P.kwargs) -> ParallelBranch[T]:
            def call(ctx: DurableContext) -> T:
                return func(ctx, *args, **kwargs)

            return ParallelBranch(func=call, name=name)

        bind.__name__ = func.__name__
        bind.__doc__ = func.__doc__
        return bind

    return decorator
