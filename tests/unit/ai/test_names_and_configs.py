"""Step names (persisted: a replay matches them) and per-role / per-tool step configs."""

from __future__ import annotations

import pytest
from pydantic_ai.durable_exec import (
    CapabilityOperationId,
    ModelRequestId,
    ToolsetCallToolId,
    ToolsetGetToolsId,
    ToolsetValidateToolArgumentsId,
)

from powertools_durable import JsonSerDes, StepConfig, StepSemantics
from powertools_durable.ai import ApprovalAnswerError, ApprovalRequest, StepConfigs, StepNamer
from powertools_durable.ai.approvals import parse_answer

REQUEST = ApprovalRequest("issue_refund", "r1", {"amount": 20})


@pytest.mark.parametrize(
    ("operation_id", "label", "name"),
    [
        (ModelRequestId(model_name="claude"), None, "model-request"),
        (ToolsetCallToolId("function", toolset_id="<agent>"), "lookup_order", "lookup_order"),
        (ToolsetCallToolId("mcp", toolset_id="crm"), "find", "mcp-call-crm-find"),
        (ToolsetValidateToolArgumentsId("function", toolset_id="<agent>"), "lookup_order", "validate-lookup_order"),
        (ToolsetGetToolsId("dynamic", toolset_id="user-tools"), None, "list-tools-user-tools"),
        (CapabilityOperationId("memory", operation="recall"), None, "capability-memory.recall"),
    ],
)
def test_each_operation_has_a_stable_readable_name(operation_id, label, name):
    assert StepNamer().invocation_name(operation_id, label=label).operation_name == name


def test_a_tool_takes_its_own_config_and_every_config_writes_plain_json():
    # GIVEN a default tool config and one for a tool by name (neither names a serdes)
    refund = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
    configs = StepConfigs(tools={"issue_refund": refund})
    tool = ToolsetCallToolId("function", toolset_id="<agent>")

    # WHEN each is resolved
    own = configs.for_tool("tool", operation_id=tool, tool=None, tool_name="issue_refund")
    other = configs.for_tool("tool", operation_id=tool, tool=None, tool_name="lookup_order")
    model = configs.base("model", operation_id=ModelRequestId(model_name="m"))

    # THEN the named tool keeps its semantics, and all write plain JSON
    assert own is not False
    assert own.step_semantics is StepSemantics.AT_MOST_ONCE_PER_RETRY
    assert other is not False
    assert other.step_semantics is StepSemantics.AT_LEAST_ONCE_PER_RETRY
    assert all(isinstance(c.serdes, JsonSerDes) for c in (own, other, model))


@pytest.mark.parametrize(
    ("raw", "approved", "reason"),
    [('{"approved": true}', True, None), ('{"approved": false, "reason": "too much"}', False, "too much")],
)
def test_an_answer_of_the_documented_shape_is_read(raw, approved, reason):
    answer = parse_answer(raw, REQUEST)
    assert (answer.approved, answer.reason) == (approved, reason)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("true", "answer: Input should be an object"),
        ('{"approved": 1}', "approved: Input should be a valid boolean"),
        ('{"reason": "x"}', "approved: Field required"),
        ("{", "Invalid JSON"),
        ('"' + "x" * 1000 + '"', "..."),  # a long answer is quoted shortened
    ],
)
def test_an_answer_of_another_shape_is_refused_naming_the_call(raw, problem):
    with pytest.raises(ApprovalAnswerError, match=r"'r1' \(issue_refund\)") as caught:
        parse_answer(raw, REQUEST)
    assert problem in str(caught.value)
    assert len(str(caught.value)) < 600
