"""Errors the emulator answers with, carrying AWS's error code and HTTP status.

The server turns them into AWS's error shape (``x-amzn-ErrorType`` header, JSON body with
``Type`` and ``message``), so boto3 raises a ``ClientError`` with the same code as on AWS.
"""

from __future__ import annotations


class ServiceError(Exception):
    """An error of the Lambda API: ``code`` is the botocore error shape name."""

    code = "ServiceException"
    status = 500
    kind = "Service"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameterValueError(ServiceError):
    code = "InvalidParameterValueException"
    status = 400
    kind = "User"


class InvalidRequestContentError(ServiceError):
    code = "InvalidRequestContentException"
    status = 400
    kind = "User"


class ResourceNotFoundError(ServiceError):
    code = "ResourceNotFoundException"
    status = 404
    kind = "User"


class RequestTooLargeError(ServiceError):
    code = "RequestTooLargeException"
    status = 413
    kind = "User"


class AlreadyStartedError(ServiceError):
    code = "DurableExecutionAlreadyStartedException"
    status = 409
    kind = "User"


class UnknownOperationError(ServiceError):
    code = "UnknownOperationException"
    status = 404
    kind = "User"


class CallbackTimeoutError(ServiceError):
    code = "CallbackTimeoutException"
    status = 400
    kind = "User"
