"""Handlers written the way the official SDK's examples write parallel and map (keyword arguments, its
import modules with the package name changed), run unchanged here, with the outcomes its tests expect."""

from __future__ import annotations

from typing import Any

from powertools_durable import durable_execution
from powertools_durable.config import Duration, MapConfig, NestingType, ParallelBranch, ParallelConfig
from powertools_durable.context import DurableContext
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion


def children_of(service: InMemoryDurableService, name: str) -> list[dict[str, Any]]:
    parent = next(op for op in service.operations.values() if op.get("Name") == name)
    return [op for op in service.operations.values() if op.get("ParentId") == parent["Id"]]


def test_parallel_with_named_branches(service):
    @durable_execution(boto3_client=service)
    def handler(_event: Any, context: DurableContext) -> list[str]:
        return context.parallel(
            functions=[
                ParallelBranch(
                    func=lambda ctx: ctx.step(lambda _: "user-data-loaded", name="load_user"), name="fetch-user-data"
                ),
                ParallelBranch(
                    func=lambda ctx: ctx.step(lambda _: "orders-loaded", name="load_orders"), name="fetch-order-history"
                ),
                ParallelBranch(
                    func=lambda ctx: ctx.step(lambda _: "prefs-loaded", name="load_prefs"), name="fetch-preferences"
                ),
            ],
            name="load_all_data",
            config=ParallelConfig(max_concurrency=3),
        ).get_results()

    run = run_to_completion(handler, "test", service=service)
    assert run.result == ["user-data-loaded", "orders-loaded", "prefs-loaded"]
    names = sorted(op["Name"] for op in children_of(service, "load_all_data"))
    assert names == ["fetch-order-history", "fetch-preferences", "fetch-user-data"]


def test_parallel_with_a_waiting_branch(service):
    @durable_execution(boto3_client=service)
    def handler(_event: Any, context: DurableContext) -> list[str]:
        def task_3(ctx: DurableContext) -> str:
            ctx.wait(Duration.from_seconds(1), name="wait_in_task_3")
            return "task 3 completed after wait"

        return context.parallel(
            functions=[
                lambda ctx: ctx.step(lambda _: "task 1 completed"),
                lambda ctx: ctx.step(lambda _: "task 2 completed"),
                task_3,
            ],
            name="parallel_operation",
        ).get_results()

    run = run_to_completion(handler, "test", service=service)
    assert run.result == ["task 1 completed", "task 2 completed", "task 3 completed after wait"]
    children = children_of(service, "parallel_operation")
    assert len(children) == 3
    assert all(op["Type"] == "CONTEXT" and op["Status"] == "SUCCEEDED" for op in children)


def test_flat_map_operations(service):
    @durable_execution(boto3_client=service)
    def handler(_event: Any, context: DurableContext) -> list[int]:
        return context.map(
            inputs=[1, 2, 3, 4, 5],
            func=lambda ctx, item, index, items: ctx.step(lambda _: item * 2, name=f"map_item_{index}"),
            name="map_operation",
            config=MapConfig(max_concurrency=2, nesting_type=NestingType.FLAT),
        ).get_results()

    run = run_to_completion(handler, "test", service=service)
    assert run.result == [2, 4, 6, 8, 10]
    children = children_of(service, "map_operation")
    assert {op["Name"] for op in children} == {f"map_item_{i}" for i in range(5)}
    assert all(op["Status"] == "SUCCEEDED" for op in children)
