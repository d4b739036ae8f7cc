"""Errors as AWS names them.

Every error a client can see is a ``ServiceError`` subclass named exactly after its
AWS error code. The mgh model declares the codes but no HTTP statuses, so the
statuses live here, in one reviewed table: 400 for the caller's faults, 500 for
the service's (as the AWS reference pages list them).
"""

from __future__ import annotations


class ServiceError(Exception):
    """An error answered to the client as ``{"__type": code, "message": ...}``."""

    status: int = 400
    sender_fault: bool = True

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        # Further members of the error shape, e.g. ThrottlingException's RetryAfterSeconds.
        self.fields = fields

    @property
    def code(self) -> str:
        return type(self).__name__


# -- modeled errors (declared in the mgh / migrationhub-config models) ----------


class InvalidInputException(ServiceError):
    pass


class ResourceNotFoundException(ServiceError):
    pass


class HomeRegionNotSetException(ServiceError):
    pass


class DryRunOperation(ServiceError):
    def __init__(self, message: str = "Dry Run was a success!") -> None:
        super().__init__(message)


class UnauthorizedOperation(ServiceError):
    pass


class AccessDeniedException(ServiceError):
    pass


class PolicyErrorException(ServiceError):
    pass


class ThrottlingException(ServiceError):
    pass


class InternalServerError(ServiceError):
    status = 500
    sender_fault = False


class ServiceUnavailableException(ServiceError):
    status = 500  # as listed on the AWS reference pages; SDKs retry it
    sender_fault = False


# -- protocol-level errors common to AWS JSON services --------------------------


class UnknownOperationException(ServiceError):
    pass


class SerializationException(ServiceError):
    pass


class RequestEntityTooLargeException(ServiceError):
    status = 413


class RequestTimeoutException(ServiceError):
    """The request did not arrive in time; the SDKs count this code as transient and retry."""

    status = 408


class HostNotAllowed(ServiceError):
    """A ``Host`` the hub does not answer for: a 403 ``AccessDeniedException``, as AWS words refusals."""

    status = 403

    @property
    def code(self) -> str:
        return "AccessDeniedException"


# -- the hub's own HTTP API (/_mighub/) ---------------------------------------------


class NotFound(ServiceError):
    status = 404


class MethodNotAllowed(ServiceError):
    status = 405


class MissingAuthenticationTokenException(ServiceError):
    status = 403


class IncompleteSignatureException(ServiceError):
    pass


class InvalidSignatureException(ServiceError):
    pass


class UnrecognizedClientException(ServiceError):
    pass


HOME_REGION_NOT_SET = (
    "Your home region is not set. Before calling AWS Migration Hub APIs, "
    "set your home region with CreateHomeRegionControl."
)
