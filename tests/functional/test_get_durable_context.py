"""``get_durable_context()``: the running invocation's context from anywhere in its call stack."""

from __future__ import annotations

import pytest

from powertools_durable import DurableContext, DurableContextNotFoundError, get_durable_context
from powertools_durable.local.memory import run_to_completion
from tests.functional.conftest import bind


def _deep_helper(depth: int) -> DurableContext:
    if depth:
        return _deep_helper(depth - 1)
    return get_durable_context()


def test_outside_a_handler_raises_a_clear_error():
    # GIVEN no durable invocation running / WHEN the accessor is called
    with pytest.raises(DurableContextNotFoundError) as caught:
        get_durable_context()

    # THEN the message says what is wrong and how to fix it
    assert "outside a durable handler" in str(caught.value)
    assert "@durable_handler" in str(caught.value)


def test_inside_a_handler_returns_the_same_context_from_deep_in_the_stack(service):
    # GIVEN a handler whose step body asks a deep helper for the context
    seen = []

    @bind(service)
    def handler(event, context: DurableContext):
        seen.append((context, _deep_helper(10)))
        context.step(lambda _: seen.append((context, _deep_helper(3))), name="inner")
        return "ok"

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the helper got the very context object the handler received, in the handler and in the step
    assert run.status == "SUCCEEDED"
    assert len(seen) == 2
    for handed, found in seen:
        assert found is handed
    # AND after the invocation the accessor raises again
    with pytest.raises(DurableContextNotFoundError):
        get_durable_context()


def test_accessor_is_reset_after_a_failed_invocation(service):
    # GIVEN a handler that fails
    @bind(service)
    def handler(event, context: DurableContext):
        assert get_durable_context() is context
        raise RuntimeError("nope")

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN it FAILED and the accessor no longer finds a context
    assert run.status == "FAILED"
    with pytest.raises(DurableContextNotFoundError):
        get_durable_context()
