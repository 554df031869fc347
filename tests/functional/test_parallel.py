"""context.parallel against the in-memory service: histories, completion policies, suspension, failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from powertools_durable import (
    BatchCompletionError,
    BatchItemStatus,
    CompletionConfig,
    CompletionOutcome,
    CompletionReason,
    CompletionStatus,
    DurableContext,
    Duration,
    NestingType,
    NonDeterministicExecutionError,
    ParallelConfig,
    RetryPresets,
    StepConfig,
    complete_batch,
    continue_batch,
    durable_parallel_branch,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, invoke, op_id

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())
SEQUENTIAL = ParallelConfig(max_concurrency=1)


def history(service: InMemoryDurableService) -> list[tuple[str, str, str | None]]:
    """(action, subtype, name) of every update sent, in order."""
    return [(u["Action"], u["SubType"], u.get("Name")) for call in service.calls for u in call.updates]


def boom(message: str) -> Any:
    raise RuntimeError(message)


def test_parallel_records_the_official_shape(service):
    # GIVEN two named-by-default branches, each one step, run one at a time
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[str]:
        branches = [lambda c: c.step(lambda _: "a", name="s"), lambda c: c.step(lambda _: "b", name="s")]
        return context.parallel(branches, name="fan", config=SEQUENTIAL).get_results()

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the parent is a Parallel CONTEXT, each branch a ParallelBranch CONTEXT under it, ids from the index
    assert (run.status, run.result) == ("SUCCEEDED", ["a", "b"])
    parent = op_id(1)
    branch0, branch1 = op_id(0, parent), op_id(1, parent)
    assert history(service) == [
        ("START", "Parallel", "fan"),
        ("START", "ParallelBranch", "parallel-branch-0"),
        ("START", "Step", "s"),
        ("SUCCEED", "Step", "s"),
        ("SUCCEED", "ParallelBranch", "parallel-branch-0"),
        ("START", "ParallelBranch", "parallel-branch-1"),
        ("START", "Step", "s"),
        ("SUCCEED", "Step", "s"),
        ("SUCCEED", "ParallelBranch", "parallel-branch-1"),
        ("SUCCEED", "Parallel", "fan"),
    ]
    ops = service.operations
    assert ops[branch0]["ParentId"] == ops[branch1]["ParentId"] == parent
    assert ops[op_id(1, branch0)]["ParentId"] == branch0
    assert ops[parent]["ContextDetails"]["Result"].startswith('{"t":"br"')


def test_named_branches_through_the_decorator(service):
    @durable_parallel_branch(name="fetch-user")
    def fetch_user(ctx: DurableContext, user_id: str) -> str:
        return ctx.step(lambda _: f"user {user_id}", name="load")

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[str]:
        return context.parallel([fetch_user("u1"), lambda c: "plain"]).get_results()

    run = run_to_completion(handler, {}, service=service)
    assert run.result == ["user u1", "plain"]
    names = {op.get("Name") for op in service.operations.values() if op.get("SubType") == "ParallelBranch"}
    assert names == {"fetch-user", "parallel-branch-1"}


def test_a_failing_step_in_one_branch_leaves_the_others_succeeded(service):
    # GIVEN three concurrent branches, the middle one's step failing for good, failures tolerated
    @bind(service)
    def handler(event: Any, context: DurableContext) -> dict[str, Any]:
        branches = [
            lambda c: c.step(lambda _: "a"),
            lambda c: c.step(lambda _: boom("card declined"), config=NO_RETRY),
            lambda c: c.step(lambda _: "c"),
        ]
        result = context.parallel(branches, config=ParallelConfig(completion_config=CompletionConfig.all_completed()))
        return {
            "results": result.get_results(),
            "statuses": [item.status.value for item in result.all],
            "error": [(e.type, e.message) for e in result.get_errors() if e],
            "reason": result.completion_reason.value,
        }

    run = run_to_completion(handler, {}, service=service)

    # THEN the failure is an item with its error; the batch still completes, ALL_COMPLETED
    assert run.result == {
        "results": ["a", "c"],
        "statuses": ["SUCCEEDED", "FAILED", "SUCCEEDED"],
        "error": [["powertools_durable.exceptions.StepError", "card declined"]],  # the escaped error, as officially
        "reason": "ALL_COMPLETED",
    }
    failed_branch = service.operations[op_id(1, op_id(1))]
    assert failed_branch["Status"] == "FAILED"


def test_default_config_fails_fast_and_throw_if_error_fails_the_execution(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        result = context.parallel([lambda c: boom("first"), lambda c: "never"], config=SEQUENTIAL)
        assert result.completion_reason is CompletionReason.FAILURE_TOLERANCE_EXCEEDED
        assert result.total_count == 1  # branch 1 never started
        result.throw_if_error()
        return "unreachable"

    run = run_to_completion(handler, {}, service=service)
    assert run.status == "FAILED"
    assert run.error is not None
    # the escaped ChildContextError reports itself, as the official SDK reports its own (issue 13)
    assert run.error["ErrorType"] == "powertools_durable.exceptions.ChildContextError"
    assert run.error["ErrorMessage"] == "first"


def test_first_successful_returns_without_waiting_for_a_suspended_branch(service):
    # GIVEN a branch that waits an hour, and one that succeeds at once
    @bind(service)
    def handler(event: Any, context: DurableContext) -> dict[str, Any]:
        def slow(c: DurableContext) -> str:
            c.wait(Duration.from_hours(1))
            return "slow"

        config = ParallelConfig(completion_config=CompletionConfig.first_successful())
        result = context.parallel([slow, lambda c: "fast"], config=config)
        return {"reason": result.completion_reason.value, "statuses": [i.status.value for i in result.all]}

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN one invocation: the batch completed on the first success, the waiting branch is STARTED
    assert len(run.outputs) == 1
    assert run.result == {"reason": "MIN_SUCCESSFUL_REACHED", "statuses": ["STARTED", "SUCCEEDED"]}


def test_custom_completion_failed_raises_batch_completion_error(service):
    observed: list[CompletionStatus] = []

    def need_branch_zero(status: CompletionStatus) -> Any:
        observed.append(status)
        zero = status.items[0].status
        if zero is BatchItemStatus.FAILED:
            return complete_batch(CompletionOutcome.FAILED)
        return complete_batch() if zero is BatchItemStatus.SUCCEEDED else continue_batch()

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(should_complete=need_branch_zero))
        result = context.parallel([lambda c: boom("zero"), lambda c: "one"], config=config)
        assert result.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED
        assert result.status is BatchItemStatus.FAILED
        try:
            result.throw_if_error()
        except Exception as exc:  # the failed item comes first
            return type(exc).__name__
        return "no error"

    run = run_to_completion(handler, {}, service=service)
    assert run.result == "ChildContextError"
    assert observed[0].items[0].status is None  # evaluated before anything ran
    assert observed[-1].failure_count == 1


def test_batch_completion_error_without_a_failed_item(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        stop = CompletionConfig(
            should_complete=lambda s: complete_batch(CompletionOutcome.FAILED) if s.success_count else continue_batch()
        )
        result = context.parallel(
            [lambda c: "a", lambda c: "b"], config=ParallelConfig(max_concurrency=1, completion_config=stop)
        )
        with pytest.raises(BatchCompletionError):
            result.throw_if_error()
        return [result.completion_reason.value, result.total_count]

    assert run_to_completion(handler, {}, service=service).result == ["CUSTOM_COMPLETION_FAILED", 1]


def test_branches_suspended_at_different_points_resume_where_they_were(service):
    # GIVEN three concurrent branches: one done at once, one waiting, one retrying a step after a delay
    runs: dict[str, int] = {}
    lock = threading.Lock()

    def count(name: str, value: str) -> str:
        with lock:
            runs[name] = runs.get(name, 0) + 1
        return value

    def flaky(step: Any) -> str:
        count("flaky", "")
        if step.attempt == 1:
            raise RuntimeError("transient")
        return "retried"

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[str]:
        def waits(c: DurableContext) -> str:
            first = c.step(lambda _: count("before-wait", "w"), name="before")
            c.wait(Duration.from_seconds(10))
            return first + c.step(lambda _: count("after-wait", "!"), name="after")

        branches = [lambda c: c.step(lambda _: count("quick", "q")), waits, lambda c: c.step(flaky, name="flaky")]
        return context.parallel(branches).get_results()

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN the invocation suspended only when no branch could progress, and no finished work ran twice
    assert run.status == "SUCCEEDED"
    assert run.result == ["q", "w!", "retried"]
    assert run.outputs[0] == {"Status": "PENDING"}
    assert runs == {"quick": 1, "before-wait": 1, "after-wait": 1, "flaky": 2}


def test_non_determinism_inside_a_branch_fails_the_execution_not_the_item(service):
    # GIVEN a branch whose step name changes between invocations
    invocations: list[int] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        invocations.append(1)
        step_name = "first" if len(invocations) == 1 else "renamed"

        def branch(c: DurableContext) -> str:
            c.step(lambda _: "x", name=step_name)
            c.wait(Duration.from_seconds(5))
            return "done"

        config = ParallelConfig(completion_config=CompletionConfig.all_completed())
        return context.parallel([branch, lambda c: "other"], config=config).get_results()

    # WHEN it is replayed
    run = run_to_completion(handler, {}, service=service)

    # THEN the execution fails with non-determinism, even though the batch tolerates item failures
    assert run.status == "FAILED"
    assert run.error is not None
    assert run.error["ErrorType"].endswith(NonDeterministicExecutionError.__name__)


def test_flat_nesting_records_no_branch_context_and_replays(service):
    # GIVEN FLAT branches, one of them waiting
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[str]:
        def waits(c: DurableContext) -> str:
            c.wait(Duration.from_seconds(5))
            return c.step(lambda _: "late", name="late")

        config = ParallelConfig(nesting_type=NestingType.FLAT)
        return context.parallel([lambda c: c.step(lambda _: "early", name="early"), waits], config=config).get_results()

    run = run_to_completion(handler, {}, service=service)

    # THEN no ParallelBranch operation exists; the branches' operations hang under the Parallel one
    assert (run.status, run.result) == ("SUCCEEDED", ["early", "late"])
    parent = op_id(1)
    subtypes = sorted(op.get("SubType", "") for op in service.operations.values() if op["Type"] != "EXECUTION")
    assert subtypes == ["Parallel", "Step", "Step", "Wait"]
    assert service.operations[op_id(1, op_id(0, parent))]["ParentId"] == parent  # ids from the branch


def test_flat_replay_of_a_nested_history_is_non_deterministic(service):
    invocations: list[int] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        invocations.append(1)
        nesting = NestingType.NESTED if len(invocations) == 1 else NestingType.FLAT

        def branch(c: DurableContext) -> str:
            c.wait(Duration.from_seconds(5))
            return "x"

        return context.parallel([branch], config=ParallelConfig(nesting_type=nesting)).get_results()

    run = run_to_completion(handler, {}, service=service)
    assert run.status == "FAILED"
    assert run.error is not None
    assert "NonDeterministicExecutionError" in run.error["ErrorType"]


def test_empty_parallel_completes_at_once(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        result = context.parallel([])
        return [result.completion_reason.value, result.total_count, result.status.value]

    assert run_to_completion(handler, {}, service=service).result == ["ALL_COMPLETED", 0, "SUCCEEDED"]
    assert history(service) == [("START", "Parallel", None), ("SUCCEED", "Parallel", None)]


def test_a_replayed_parallel_returns_its_checkpoint_without_running_branches(service):
    runs: list[str] = []

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[Any]:
        result = context.parallel([lambda c: runs.append("a") or "a", lambda c: runs.append("b") or "b"])
        context.wait(Duration.from_seconds(5))
        return result.get_results()

    run = run_to_completion(handler, {}, service=service)
    assert (run.result, len(run.outputs)) == (["a", "b"], 2)
    assert sorted(runs) == ["a", "b"]


def test_invalid_min_successful_fails_before_any_operation(service):
    @bind(service)
    def handler(event: Any, context: DurableContext) -> Any:
        return context.parallel(
            [lambda c: 1], config=ParallelConfig(completion_config=CompletionConfig(min_successful=2))
        )

    output = invoke(handler, service) if service.start({}) is None else None
    assert output is not None
    assert output["Status"] == "FAILED"
    assert "min_successful cannot be greater than total items: 2 > 1" in output["Error"]["ErrorMessage"]
    assert service.calls == []


def test_a_branch_still_running_when_the_batch_completes_records_nothing_more(service):
    # GIVEN a branch blocked inside its first step, and a branch that succeeds at once, first_successful
    release, finished, blocked = threading.Event(), threading.Event(), threading.Event()
    second_step_ran: list[bool] = []

    def slow(c: DurableContext) -> str:
        try:
            c.step(lambda _: blocked.set() or (release.wait(5) and "late"), name="blocked")
            c.step(lambda _: second_step_ran.append(True) or "never", name="after")
            return "slow"
        finally:
            finished.set()

    @bind(service)
    def handler(event: Any, context: DurableContext) -> list[str]:
        config = ParallelConfig(completion_config=CompletionConfig.first_successful())
        # the fast branch finishes once the slow one is inside its step (else, on a loaded machine, the
        # batch may complete before the slow branch's thread ran at all)
        result = context.parallel([slow, lambda c: blocked.wait(5) and "fast"], config=config)
        return [item.status.value for item in result.all]

    # WHEN the batch completes on the fast branch, and the slow one is released afterwards
    service.start({})
    output = invoke(handler, service)
    release.set()
    assert finished.wait(5)

    # THEN the slow branch is STARTED in the result, and neither its step's outcome, its second step nor its own
    # outcome was recorded after the batch completed
    assert output == {"Status": "SUCCEEDED", "Result": '["STARTED", "SUCCEEDED"]'}
    assert second_step_ran == []
    slow_branch = op_id(0, op_id(1))
    assert service.operations[slow_branch]["Status"] == "STARTED"
    assert service.operations[op_id(1, slow_branch)]["Status"] == "STARTED"
    assert op_id(2, slow_branch) not in service.operations
