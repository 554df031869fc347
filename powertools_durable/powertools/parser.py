"""Parser: the durable envelope's models and ``DurableEnvelope``, in Powertools parser style.

The models (pydantic v2, wire field names) are those of
:mod:`powertools_durable.service.models`, re-exported here next to the envelope so a
Powertools user finds them where Powertools keeps its own (``utilities.parser.models`` and
``utilities.parser.envelopes``).

Example
-------
>>> from aws_lambda_powertools.utilities.parser import parse
>>> from powertools_durable.powertools.parser import DurableEnvelope
>>> order = parse(event=lambda_event, model=Order, envelope=DurableEnvelope)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser.envelopes.base import BaseEnvelope

from powertools_durable.service.models import (
    CallbackDetailsModel,
    CallbackOptionsModel,
    ChainedInvokeDetailsModel,
    ChainedInvokeOptionsModel,
    CheckpointDurableExecutionRequestModel,
    CheckpointDurableExecutionResponseModel,
    CheckpointUpdatedExecutionStateModel,
    ContextDetailsModel,
    ContextOptionsModel,
    DurableExecutionInvocationInputModel,
    DurableExecutionInvocationOutputModel,
    ErrorObjectModel,
    ExecutionDetailsModel,
    GetDurableExecutionStateResponseModel,
    InitialExecutionStateModel,
    OperationModel,
    OperationUpdateModel,
    StepDetailsModel,
    StepOptionsModel,
    WaitDetailsModel,
    WaitOptionsModel,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parser.types import T

logger = logging.getLogger(__name__)

__all__ = [
    "CallbackDetailsModel",
    "CallbackOptionsModel",
    "ChainedInvokeDetailsModel",
    "ChainedInvokeOptionsModel",
    "CheckpointDurableExecutionRequestModel",
    "CheckpointDurableExecutionResponseModel",
    "CheckpointUpdatedExecutionStateModel",
    "ContextDetailsModel",
    "ContextOptionsModel",
    "DurableEnvelope",
    "DurableExecutionInvocationInputModel",
    "DurableExecutionInvocationOutputModel",
    "ErrorObjectModel",
    "ExecutionDetailsModel",
    "GetDurableExecutionStateResponseModel",
    "InitialExecutionStateModel",
    "OperationModel",
    "OperationUpdateModel",
    "StepDetailsModel",
    "StepOptionsModel",
    "WaitDetailsModel",
    "WaitOptionsModel",
]


def execution_input(envelope: DurableExecutionInvocationInputModel) -> str:
    """The execution's input (a JSON string) from the EXECUTION operation of ``envelope``.

    Parameters
    ----------
    envelope
        A validated invocation event.

    Returns
    -------
    str
        ``ExecutionDetails.InputPayload``; ``"{}"`` when the execution was started without input.

    Raises
    ------
    ValueError
        When the event's first page of state holds no EXECUTION operation.
    """
    for operation in envelope.InitialExecutionState.Operations:
        if operation.Type == "EXECUTION":
            payload = operation.ExecutionDetails.InputPayload if operation.ExecutionDetails else None
            return payload if payload and payload.strip() else "{}"
    raise ValueError("the durable invocation event holds no EXECUTION operation in InitialExecutionState.Operations")


class DurableEnvelope(BaseEnvelope):
    """Lambda durable-execution envelope: the execution's input, validated into ``model``.

    The event is validated as a :class:`DurableExecutionInvocationInputModel`; the EXECUTION
    operation's ``ExecutionDetails.InputPayload`` (a JSON string) is decoded and parsed with
    ``model``. The same input arrives on every invocation of the execution.
    """

    def parse(self, data: dict[str, Any] | Any | None, model: type[T]) -> T | None:
        """Parse the execution's input found in ``data`` with ``model``.

        Parameters
        ----------
        data
            The Lambda event of a durable function.
        model
            The model of the execution's input.

        Returns
        -------
        T | None
            The parsed input.
        """
        logger.debug("Parsing incoming data with durable envelope model %s", DurableExecutionInvocationInputModel)
        envelope = DurableExecutionInvocationInputModel.model_validate(data)
        logger.debug("Parsing the execution's input with %s", model)
        return self._parse(data=execution_input(envelope), model=model)
