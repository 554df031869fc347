"""The fan-out surface: configs, completion decisions and policy, BatchResult and its wire forms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from powertools_durable import (
    BatchCompletionError,
    BatchItem,
    BatchItemStatus,
    BatchResult,
    ChildContextError,
    CompletionConfig,
    CompletionDecision,
    CompletionItemStatus,
    CompletionOutcome,
    CompletionReason,
    CompletionStatus,
    ErrorObject,
    ExtendedTypeSerDes,
    MapConfig,
    NestingType,
    ParallelBranch,
    ParallelConfig,
    ValidationError,
    complete_batch,
    continue_batch,
)
from powertools_durable.concurrency.policy import CompletionPolicy, CompletionRecord


def test_config_defaults_are_the_official_ones():
    # GIVEN the configs built with no argument / THEN their defaults are the official SDK's
    assert ParallelConfig().completion_config == CompletionConfig.all_successful()
    assert MapConfig().completion_config == CompletionConfig()
    assert ParallelConfig().nesting_type is MapConfig().nesting_type is NestingType.NESTED
    assert (ParallelConfig().max_concurrency, MapConfig().item_namer) == (None, None)
    assert CompletionConfig.first_successful() == CompletionConfig(min_successful=1)
    assert CompletionConfig.all_completed() == CompletionConfig(tolerated_failure_percentage=100)
    assert CompletionConfig.all_successful() == CompletionConfig(
        tolerated_failure_count=0, tolerated_failure_percentage=0
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ParallelConfig(max_concurrency=0), "max_concurrency must be at least 1, got: 0"),
        (lambda: MapConfig(max_concurrency=-1), "max_concurrency must be at least 1, got: -1"),
        (lambda: CompletionConfig(min_successful=0), "min_successful must be at least 1, got: 0"),
        (lambda: CompletionConfig(tolerated_failure_count=-1), "tolerated_failure_count must be non-negative"),
        (lambda: CompletionConfig(tolerated_failure_percentage=101), "between 0 and 100, got: 101"),
        (lambda: CompletionConfig(should_complete=1), "should_complete must be callable"),  # type: ignore[arg-type]
        (
            lambda: CompletionConfig(min_successful=1, should_complete=lambda s: continue_batch()),
            "should_complete cannot be combined",
        ),
        (lambda: CompletionDecision(complete=True), "outcome is required when complete is True"),
        (
            lambda: CompletionDecision(complete=False, outcome=CompletionOutcome.FAILED),
            "outcome must be None when complete is False",
        ),
    ],
)
def test_invalid_values_are_refused_with_the_official_messages(build, message):
    # WHEN an invalid config is built / THEN a ValidationError names the problem
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        build()


def test_min_successful_larger_than_the_batch_is_refused():
    with pytest.raises(ValidationError, match="min_successful cannot be greater than total items: 3 > 2"):
        CompletionConfig(min_successful=3)._validate_for_total(2)


def test_decision_helpers_and_named_branch():
    assert continue_batch() == CompletionDecision(False)
    assert complete_batch() == CompletionDecision(True, CompletionOutcome.SUCCEEDED)
    assert complete_batch(CompletionOutcome.FAILED).outcome is CompletionOutcome.FAILED
    branch = ParallelBranch(lambda ctx: f"ran with {ctx}", name="b")
    assert (branch("c"), branch.name) == ("ran with c", "b")


@pytest.mark.parametrize(
    ("config", "total", "succeeded", "failed", "complete", "reason"),
    [
        (None, 3, 1, 1, False, CompletionReason.FAILURE_TOLERANCE_EXCEEDED),  # fail fast without criteria
        (CompletionConfig(tolerated_failure_count=1), 3, 1, 1, False, CompletionReason.ALL_COMPLETED),
        (CompletionConfig(tolerated_failure_count=1), 3, 0, 2, False, CompletionReason.FAILURE_TOLERANCE_EXCEEDED),
        (CompletionConfig(tolerated_failure_percentage=25), 4, 0, 1, False, CompletionReason.ALL_COMPLETED),
        (
            CompletionConfig(tolerated_failure_percentage=25),
            4,
            0,
            2,
            False,
            CompletionReason.FAILURE_TOLERANCE_EXCEEDED,
        ),
        (CompletionConfig(min_successful=2), 4, 2, 0, True, CompletionReason.MIN_SUCCESSFUL_REACHED),
        (CompletionConfig(min_successful=3), 3, 2, 1, True, CompletionReason.ALL_COMPLETED),
        (CompletionConfig.all_completed(), 2, 0, 2, True, CompletionReason.ALL_COMPLETED),
    ],
)
def test_policy_thresholds(config, total, succeeded, failed, complete, reason):
    policy = CompletionPolicy.from_config(total, config)
    assert policy.is_complete(succeeded, failed) is complete
    assert policy.reason(succeeded, failed) is reason


def test_custom_predicate_sees_the_items_and_decides_alone():
    # GIVEN a quorum predicate: complete as failed once branch 0 failed
    seen: list[CompletionStatus] = []

    def quorum(status: CompletionStatus) -> CompletionDecision:
        seen.append(status)
        if status.items and status.items[0].status is BatchItemStatus.FAILED:
            return complete_batch(CompletionOutcome.FAILED)
        return continue_batch()

    policy = CompletionPolicy.from_config(3, CompletionConfig(should_complete=quorum))
    items = (CompletionItemStatus(0, status=BatchItemStatus.FAILED), CompletionItemStatus(1), CompletionItemStatus(2))
    # WHEN evaluated / THEN the predicate decides, and failures never exceed a tolerance
    decision = policy.evaluate(0, 1, items)
    assert decision == complete_batch(CompletionOutcome.FAILED)
    assert policy.is_complete(0, 1, items, decision)
    assert policy.reason(0, 1, items, decision) is CompletionReason.CUSTOM_COMPLETION_FAILED
    assert policy.should_continue(3)
    assert seen[0] == CompletionStatus(0, 1, 1, 3, items)


def failed_item(index: int) -> BatchItem[str]:
    return BatchItem(index, BatchItemStatus.FAILED, error=ErrorObject("boom", "ValueError", None, None))


def test_batch_result_accessors():
    result = BatchResult(
        [BatchItem(0, BatchItemStatus.SUCCEEDED, "a"), failed_item(1), BatchItem(2, BatchItemStatus.STARTED)],
        CompletionReason.MIN_SUCCESSFUL_REACHED,
    )
    assert result.get_results() == ["a"]
    assert [e.message for e in result.get_errors() if e] == ["boom"]
    assert [len(result.succeeded()), len(result.failed()), len(result.started())] == [1, 1, 1]
    assert (result.success_count, result.failure_count, result.started_count, result.total_count) == (1, 1, 1, 3)
    assert result.has_failure
    assert result.status is BatchItemStatus.FAILED
    with pytest.raises(ChildContextError, match="boom") as raised:
        result.throw_if_error()
    assert raised.value.error_type == "ValueError"


def test_a_custom_failed_completion_raises_batch_completion_error():
    result: BatchResult[str] = BatchResult([], CompletionReason.CUSTOM_COMPLETION_FAILED)
    assert result.status is BatchItemStatus.FAILED
    with pytest.raises(BatchCompletionError) as raised:
        result.throw_if_error()
    assert raised.value.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED


def test_dict_round_trip_and_inferred_reason():
    result = BatchResult(
        [BatchItem(0, BatchItemStatus.SUCCEEDED, {"k": 1}), failed_item(1)], CompletionReason.ALL_COMPLETED
    )
    data = result.to_dict()
    assert data["all"][1] == {
        "index": 1,
        "status": "FAILED",
        "result": None,
        "error": {"ErrorMessage": "boom", "ErrorType": "ValueError"},
    }
    assert BatchResult.from_dict(data) == result
    del data["completionReason"]
    inferred = BatchResult.from_dict(data, CompletionConfig.all_completed())
    assert inferred.completion_reason is CompletionReason.ALL_COMPLETED


def test_default_serdes_writes_the_official_batch_tag():
    # GIVEN a batch result / WHEN checkpointed with the default serdes
    result = BatchResult([BatchItem(0, BatchItemStatus.SUCCEEDED, "x")], CompletionReason.ALL_COMPLETED)
    payload = ExtendedTypeSerDes().serialize(result)
    # THEN it is the official SDK's "br" envelope, and reads back equal
    assert payload == (
        '{"t":"br","v":{"all":{"t":"l","v":[{"t":"m","v":{"index":{"t":"i","v":0},"status":{"t":"s","v":"SUCCEEDED"},'
        '"result":{"t":"s","v":"x"},"error":{"t":"n","v":null}}}]},"completionReason":{"t":"s","v":"ALL_COMPLETED"}}}'
    )
    assert ExtendedTypeSerDes().deserialize(payload) == result


def test_summary_envelope_and_completion_record_round_trip():
    result = BatchResult(
        [BatchItem(0, BatchItemStatus.SUCCEEDED, "a"), BatchItem(1, BatchItemStatus.STARTED)],
        CompletionReason.MIN_SUCCESSFUL_REACHED,
    )
    envelope = json.loads(CompletionRecord.summary_envelope(result, "MapResult", "2 items"))
    assert envelope == {
        "type": "MapResult",
        "totalCount": 2,
        "completionReason": "MIN_SUCCESSFUL_REACHED",
        "startedIndexes": [1],
        "startedCount": 1,
        "successCount": 1,
        "failureCount": 0,
        "status": "SUCCEEDED",
        "summary": "2 items",
    }
    record = CompletionRecord.from_summary_payload(json.dumps(envelope))
    assert record == CompletionRecord(CompletionReason.MIN_SUCCESSFUL_REACHED, 2, frozenset({1}))
    completed = {**envelope, "completedIndexes": [0]}
    del completed["startedIndexes"]
    assert CompletionRecord.from_summary_payload(json.dumps(completed)) == record


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "not json",
        "[]",
        '{"totalCount": 1}',
        '{"totalCount": true, "completionReason": "ALL_COMPLETED", "startedIndexes": []}',
        '{"totalCount": 1, "completionReason": "NOPE", "startedIndexes": []}',
        '{"totalCount": 1, "completionReason": "ALL_COMPLETED", "startedIndexes": [5]}',
        '{"totalCount": 1, "completionReason": "ALL_COMPLETED"}',
    ],
)
def test_a_malformed_summary_holds_no_record(payload):
    # GIVEN a summary from outside (untrusted) / THEN no record, and no exception
    assert CompletionRecord.from_summary_payload(payload) is None


def test_the_tagged_form_of_a_batch_result_is_the_general_encoding_of_its_dict():
    # GIVEN a batch with every kind of item: results of several types, a failure, a started item
    from powertools_durable.serdes.extended import encode

    items: list[BatchItem[Any]] = [
        BatchItem(0, BatchItemStatus.SUCCEEDED, {"a": 1, "b": [1, "x", None]}),
        BatchItem(1, BatchItemStatus.SUCCEEDED, 7),
        BatchItem(2, BatchItemStatus.SUCCEEDED, None),
        BatchItem(3, BatchItemStatus.FAILED, error=ErrorObject("boom", "ValueError", "d", ["line 1"])),
        BatchItem(4, BatchItemStatus.STARTED),
    ]
    result = BatchResult(items, CompletionReason.FAILURE_TOLERANCE_EXCEEDED)
    # WHEN it is encoded for a checkpoint / THEN exactly as the generic encoder encodes its dict form
    assert encode(result) == {"t": "br", "v": encode(result.to_dict())["v"]}


def test_a_batch_result_is_written_as_the_generic_encoder_writes_it_byte_for_byte():
    # GIVEN results of every kind the direct writer special-cases, and the kinds it hands to encode
    from powertools_durable.serdes.extended import _compact_dumps, encode

    results: list[Any] = [7, -(2**70), "plain", 'quo"te\\ \n \u00e9\u4e2d \U0001f600', "", None, True, 1.5]
    results += [{"a": [1, "x"]}, [1, 2], ("t", 1)]
    items: list[BatchItem[Any]] = [BatchItem(i, BatchItemStatus.SUCCEEDED, r) for i, r in enumerate(results)]
    items.append(BatchItem(len(items), BatchItemStatus.FAILED, error=ErrorObject("b\u00f6om", "E", None, None)))
    items.append(BatchItem(len(items), BatchItemStatus.STARTED))
    result = BatchResult(items, CompletionReason.MIN_SUCCESSFUL_REACHED)
    # WHEN the default serdes writes it / THEN the text is exactly what the generic encoder writes, and reads back
    serdes = ExtendedTypeSerDes()
    text = serdes.serialize(result)
    assert text == _compact_dumps(encode(result))
    back = serdes.deserialize(text)
    assert [(i.index, i.status, i.result) for i in back.all[:9]] == [(i.index, i.status, i.result) for i in items[:9]]
    assert back.completion_reason is CompletionReason.MIN_SUCCESSFUL_REACHED
