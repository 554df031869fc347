"""A malformed or failed service answer fails the invocation (Lambda retries), never the execution."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powertools_durable import (
    DurableContext,
    Duration,
    RetryDecision,
    StepConfig,
    WithRetryConfig,
    durable_execution,
    with_retry,
)
from powertools_durable.exceptions import InvocationError, RetryableSerDesError
from powertools_durable.local.memory import InMemoryDurableService
from powertools_durable.service.wire import WireDict

from .test_with_retry import FlakyOffloadSerDes

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
_junk_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
_bad_operations = st.one_of(
    _scalars.filter(lambda v: v is not None),
    st.dictionaries(st.text(max_size=4), _junk_values, max_size=3),
    st.lists(
        st.one_of(
            _scalars,
            st.fixed_dictionaries({"Type": st.just("STEP"), "Status": st.just("SUCCEEDED")}),  # no Id
            st.fixed_dictionaries({"Id": st.integers(), "Type": st.just("STEP"), "Status": st.just("SUCCEEDED")}),
            st.fixed_dictionaries({"Id": st.just("x"), "Type": st.none(), "Status": st.just("SUCCEEDED")}),
        ),
        min_size=1,
        max_size=3,
    ),
)
MALFORMED_RESPONSES = st.one_of(
    _scalars,
    st.lists(_junk_values, max_size=3),
    st.fixed_dictionaries({"CheckpointToken": st.one_of(st.integers(), st.just(""), st.lists(st.text(), max_size=2))}),
    st.fixed_dictionaries(
        {
            "CheckpointToken": st.just("tok"),
            "NewExecutionState": st.one_of(st.text(), st.integers(), st.lists(_scalars)),
        }
    ),
    st.fixed_dictionaries(
        {"CheckpointToken": st.just("tok"), "NewExecutionState": st.fixed_dictionaries({"Operations": _bad_operations})}
    ),
    st.fixed_dictionaries(
        {
            "CheckpointToken": st.just("tok"),
            "NewExecutionState": st.fixed_dictionaries(
                {"Operations": st.just([]), "NextMarker": st.integers() | st.lists(st.text(), min_size=1)}
            ),
        }
    ),
)
RAISED = st.sampled_from(
    [
        ValueError("boom"),
        KeyError("Operations"),
        TypeError("x"),
        json.JSONDecodeError("bad", "<html>", 0),
        AttributeError("get"),
    ]
)


class FaultyClient:
    """The in-memory service, except that checkpoint call number ``fault_at`` answers ``answer`` (or raises it)."""

    def __init__(self, service: InMemoryDurableService, fault_at: int, answer: Any) -> None:
        self.service = service
        self.fault_at = fault_at
        self.answer = answer
        self.calls = 0

    def checkpoint(self, arn: str, token: str, updates: list[WireDict]) -> Any:
        self.calls += 1
        if self.calls == self.fault_at:
            if isinstance(self.answer, BaseException):
                raise self.answer
            return self.answer
        return self.service.checkpoint(arn, token, updates)

    def get_execution_state(self, arn: str, token: str, marker: str, max_items: int = 1000) -> Any:
        return self.service.get_execution_state(arn, token, marker, max_items)


def _workflow(context: DurableContext) -> list[int]:
    return [context.step(lambda _, n=n: n, name=f"s{n}") for n in range(3)]


def _run_with_fault(fault_at: int, answer: Any) -> None:
    # GIVEN a three-step workflow whose checkpoint call number fault_at is answered with junk
    service = InMemoryDurableService()
    service.start({})
    faulty = durable_execution(boto3_client=FaultyClient(service, fault_at, answer))(lambda e, c: _workflow(c))
    # WHEN it is invoked, THEN the invocation raises an InvocationError (Lambda retries), never an outcome
    with pytest.raises(InvocationError):
        faulty(service.envelope(), None)
    # AND a retried invocation against a healthy service finishes with each step recorded exactly once
    healthy = durable_execution(boto3_client=service)(lambda e, c: _workflow(c))
    output = healthy(service.envelope(), None)
    assert output == {"Status": "SUCCEEDED", "Result": "[0, 1, 2]"}
    succeeded = [u["Id"] for call in service.calls for u in call.updates if u["Action"] == "SUCCEED"]
    assert len(succeeded) == len(set(succeeded)) == 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=MALFORMED_RESPONSES, fault_at=st.integers(min_value=1, max_value=3))
def test_malformed_checkpoint_answers_fail_the_invocation_not_the_execution(answer: Any, fault_at: int) -> None:
    _run_with_fault(fault_at, answer)


@settings(max_examples=20, deadline=None)
@given(error=RAISED, fault_at=st.integers(min_value=1, max_value=3))
def test_a_client_raising_anything_fails_the_invocation(error: BaseException, fault_at: int) -> None:
    _run_with_fault(fault_at, error)


@settings(max_examples=60, deadline=None)
@given(
    page=st.one_of(_scalars, st.lists(_junk_values, max_size=2), st.fixed_dictionaries({"Operations": _bad_operations}))
)
def test_malformed_state_pages_fail_the_invocation(page: Any) -> None:
    # GIVEN an execution whose state does not fit in the envelope, and a state page that is junk
    service = InMemoryDurableService(page_size=1)
    service.start({})
    plain = durable_execution(boto3_client=service)(lambda e, c: c.step(lambda _: 1, name="a"))
    assert plain(service.envelope(), None)["Status"] == "SUCCEEDED"

    class JunkPages(FaultyClient):
        def get_execution_state(self, *args: Any, **kwargs: Any) -> Any:
            return page

    handler = durable_execution(boto3_client=JunkPages(service, 0, None))(lambda e, c: c.step(lambda _: 1, name="a"))
    # WHEN it replays / THEN the invocation fails, to be retried
    with pytest.raises(InvocationError):
        handler(service.envelope(), None)


@pytest.mark.parametrize("wrapped", [True, False])
def test_with_retry_never_turns_a_failed_invocation_into_a_durable_wait(wrapped: bool) -> None:
    # GIVEN a with_retry block whose step's serdes fails transiently, and a strategy that would retry
    service = InMemoryDurableService()
    service.start({})
    serdes = FlakyOffloadSerDes(failures=1)
    consulted: list[BaseException] = []

    def strategy(error: Exception, attempt: int) -> RetryDecision:
        consulted.append(error)
        return RetryDecision.retry(Duration.from_seconds(5))

    def block(ctx: DurableContext, attempt: int) -> str:
        return ctx.step(lambda _: "seven", name="s", config=StepConfig(serdes=serdes))

    config = WithRetryConfig(retry_strategy=strategy, wrap_with_run_in_child_context=wrapped)
    handler = durable_execution(boto3_client=service)(lambda e, c: with_retry(c, block, config, name="r"))
    # WHEN invoked / THEN the invocation fails, the strategy was never asked, no backoff wait recorded
    with pytest.raises(RetryableSerDesError):
        handler(service.envelope(), None)
    assert consulted == []
    assert not any(u["Type"] == "WAIT" for call in service.calls for u in call.updates)
    # AND the retried invocation succeeds
    assert handler(service.envelope(), None) == {"Status": "SUCCEEDED", "Result": '"seven"'}
