"""What one request carries through the layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import uuid4

from .models import Operation

if TYPE_CHECKING:
    from .auth.policy import Policy

DEV_ACCOUNT = "000000000000"


@dataclass
class RequestContext:
    """The caller and the call, as the pipeline learns them.

    ``region`` is the region the request was signed for, or None when it was not
    signed (then it is taken as coming from the account's home region).
    """

    operation: Operation
    account_id: str = DEV_ACCOUNT
    region: str | None = None
    principal: str = "root"
    access_key_id: str | None = None
    # None in development mode: everything is allowed.
    policy: Policy | None = None
    request_id: str = field(default_factory=lambda: str(uuid4()))
    # Filled in as the request is authorised, for the audit log.
    resource: str | None = None
    decision_action: str | None = None
    decision: str | None = None

    @property
    def arn_region(self) -> str:
        return self.region or "us-east-1"

    def allows(self, action: str, resource: str) -> bool:
        return self.policy is None or self.policy.decide(action, resource)
