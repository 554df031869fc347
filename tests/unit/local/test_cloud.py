"""The cloud target's lookups: a stack's functions as alias ARNs, and explicit ``Name=ARN`` maps."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from powertools_durable.local.cloud import CloudTargetError, DurableCloud, parse_function_map, stack_functions

ARN = "arn:aws:lambda:eu-west-1:111122223333:function"


def _summary(logical: str, kind: str, physical: str) -> dict[str, object]:
    return {
        "LogicalResourceId": logical,
        "PhysicalResourceId": physical,
        "ResourceType": kind,
        "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
        "ResourceStatus": "CREATE_COMPLETE",
    }


def test_a_stacks_functions_resolve_to_their_alias_arns() -> None:
    # GIVEN a stack as SAM deploys it: functions, their AutoPublishAlias aliases, a role
    cloudformation = boto3.client(
        "cloudformation", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    resources = [
        _summary("OrderFunction", "AWS::Lambda::Function", "app-OrderFunction-AbC"),
        _summary("OrderFunctionAliaslive", "AWS::Lambda::Alias", f"{ARN}:app-OrderFunction-AbC:live"),
        _summary("OrderFunctionRole", "AWS::IAM::Role", "app-OrderFunctionRole-X"),
        _summary("PlainFunction", "AWS::Lambda::Function", "app-PlainFunction-Z"),
    ]
    with Stubber(cloudformation) as stub:
        stub.add_response("list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": "app"})
        # WHEN resolved
        functions = stack_functions(cloudformation, "app")
    # THEN each logical id maps to what is invoked: the alias ARN, else the function's name
    assert functions == {"OrderFunction": f"{ARN}:app-OrderFunction-AbC:live", "PlainFunction": "app-PlainFunction-Z"}


def test_a_stack_without_functions_is_an_error_naming_it() -> None:
    cloudformation = boto3.client(
        "cloudformation", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with Stubber(cloudformation) as stub:
        stub.add_response("list_stack_resources", {"StackResourceSummaries": []}, {"StackName": "empty"})
        with pytest.raises(CloudTargetError, match="stack 'empty' has no Lambda functions"):
            stack_functions(cloudformation, "empty")


def test_function_maps_accept_repeated_and_comma_separated_entries() -> None:
    assert parse_function_map(["A=arn:x:live", "B=b:live,C=c"]) == {"A": "arn:x:live", "B": "b:live", "C": "c"}
    with pytest.raises(CloudTargetError, match="'A' is not Name=ARN"):
        parse_function_map(["A"])


def test_an_unknown_function_names_the_known_ones() -> None:
    lambda_client = boto3.client("lambda", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b")
    cloud = DurableCloud(lambda_client, {"OrderFunction": f"{ARN}:o:live"})
    assert cloud.target("OrderFunction") == f"{ARN}:o:live"
    assert cloud.target("other:live") == "other:live"  # already qualified: used as given
    with pytest.raises(CloudTargetError, match=r"no deployed function for 'Typo' \(known: OrderFunction\)"):
        cloud.target("Typo")
