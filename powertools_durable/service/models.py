"""Pydantic v2 models of the durable-execution wire shapes, in the style of Powertools' parser models.

Field names are the wire names (botocore's ``lambda`` service model is the authority), so
``Model.model_validate(wire_dict)`` and ``model.model_dump(exclude_none=True)`` round-trip the
JSON the service and Lambda exchange. The engine itself reads wire dicts directly (see
:mod:`powertools_durable.service.envelope`); these models are for users (Powertools parser),
for the emulator's request validation, and for tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OperationTypeName = Literal["EXECUTION", "CONTEXT", "STEP", "WAIT", "CALLBACK", "CHAINED_INVOKE"]
OperationStatusName = Literal["STARTED", "PENDING", "READY", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"]
OperationActionName = Literal["START", "SUCCEED", "FAIL", "RETRY", "CANCEL"]
InvocationStatusName = Literal["SUCCEEDED", "FAILED", "PENDING"]
# Lambda sends epoch milliseconds in the invocation event; botocore parses datetimes.
Timestamp = datetime | int | float

PAYLOAD_MAX = 6_291_456


class WireModel(BaseModel):
    """Base: wire names, unknown fields kept (the service may add some), no coercion surprises."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ErrorObjectModel(WireModel):
    ErrorMessage: str | None = None
    ErrorType: str | None = None
    ErrorData: str | None = None
    StackTrace: list[str] | None = None


class ExecutionDetailsModel(WireModel):
    InputPayload: str | None = Field(default=None, max_length=PAYLOAD_MAX)


class ContextDetailsModel(WireModel):
    ReplayChildren: bool | None = None
    Result: str | None = Field(default=None, max_length=PAYLOAD_MAX)
    Error: ErrorObjectModel | None = None


class StepDetailsModel(WireModel):
    Attempt: int | None = Field(default=None, ge=0)
    NextAttemptTimestamp: Timestamp | None = None
    Result: str | None = Field(default=None, max_length=PAYLOAD_MAX)
    Error: ErrorObjectModel | None = None


class WaitDetailsModel(WireModel):
    ScheduledEndTimestamp: Timestamp | None = None


class CallbackDetailsModel(WireModel):
    CallbackId: str | None = None
    Result: str | None = Field(default=None, max_length=PAYLOAD_MAX)
    Error: ErrorObjectModel | None = None


class ChainedInvokeDetailsModel(WireModel):
    Result: str | None = Field(default=None, max_length=PAYLOAD_MAX)
    Error: ErrorObjectModel | None = None


class OperationModel(WireModel):
    """One operation of an execution, as the service stores and returns it."""

    Id: str = Field(min_length=1, max_length=64)
    ParentId: str | None = None
    Name: str | None = Field(default=None, max_length=256)
    Type: OperationTypeName
    SubType: str | None = Field(default=None, max_length=32)
    StartTimestamp: Timestamp | None = None
    EndTimestamp: Timestamp | None = None
    Status: OperationStatusName
    ExecutionDetails: ExecutionDetailsModel | None = None
    ContextDetails: ContextDetailsModel | None = None
    StepDetails: StepDetailsModel | None = None
    WaitDetails: WaitDetailsModel | None = None
    CallbackDetails: CallbackDetailsModel | None = None
    ChainedInvokeDetails: ChainedInvokeDetailsModel | None = None


class StepOptionsModel(WireModel):
    NextAttemptDelaySeconds: int | None = Field(default=None, ge=1, le=31_622_400)


class WaitOptionsModel(WireModel):
    WaitSeconds: int | None = Field(default=None, ge=1, le=31_622_400)


class CallbackOptionsModel(WireModel):
    TimeoutSeconds: int | None = Field(default=None, ge=0, le=99_999_999)
    HeartbeatTimeoutSeconds: int | None = Field(default=None, ge=0, le=99_999_999)


class ChainedInvokeOptionsModel(WireModel):
    FunctionName: str = Field(min_length=1, max_length=256)
    TenantId: str | None = None


class ContextOptionsModel(WireModel):
    ReplayChildren: bool | None = None


class OperationUpdateModel(WireModel):
    """One change to one operation, sent in a CheckpointDurableExecution call."""

    Id: str = Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9\-_]+$")
    ParentId: str | None = Field(default=None, min_length=1, max_length=64)
    Name: str | None = Field(default=None, min_length=1, max_length=256, pattern=r"^[\x20-\x7E]+$")
    Type: OperationTypeName
    SubType: str | None = Field(default=None, min_length=1, max_length=32, pattern=r"^[a-zA-Z0-9\-_]+$")
    Action: OperationActionName
    Payload: str | None = Field(default=None, max_length=PAYLOAD_MAX)
    Error: ErrorObjectModel | None = None
    ContextOptions: ContextOptionsModel | None = None
    StepOptions: StepOptionsModel | None = None
    WaitOptions: WaitOptionsModel | None = None
    CallbackOptions: CallbackOptionsModel | None = None
    ChainedInvokeOptions: ChainedInvokeOptionsModel | None = None


class InitialExecutionStateModel(WireModel):
    Operations: list[OperationModel]
    NextMarker: str | None = None


class DurableExecutionInvocationInputModel(WireModel):
    """The event Lambda hands a durable function on every invocation."""

    DurableExecutionArn: str = Field(min_length=1)
    CheckpointToken: str = Field(min_length=1)
    InitialExecutionState: InitialExecutionStateModel


class DurableExecutionInvocationOutputModel(WireModel):
    """What a durable function returns to Lambda."""

    Status: InvocationStatusName
    Result: str | None = None
    Error: ErrorObjectModel | None = None


class CheckpointUpdatedExecutionStateModel(WireModel):
    Operations: list[OperationModel] = Field(default_factory=list)
    NextMarker: str | None = None


class CheckpointDurableExecutionRequestModel(WireModel):
    CheckpointToken: str = Field(min_length=1)
    Updates: list[OperationUpdateModel] = Field(default_factory=list)
    ClientToken: str | None = None


class CheckpointDurableExecutionResponseModel(WireModel):
    CheckpointToken: str | None = None
    NewExecutionState: CheckpointUpdatedExecutionStateModel


class GetDurableExecutionStateResponseModel(WireModel):
    Operations: list[OperationModel]
    NextMarker: str | None = None
