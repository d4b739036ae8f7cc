"""What one request carries through the layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import uuid4

from .models import Operation

if TYPE_CHECKING:
    from .auth.policy import Policy

DEV_ACCOUNT = "000000000000"
# The region of resource ARNs for an account with no home region, when the hub
# presets none either.
DEFAULT_ARN_REGION = "us-east-1"


@dataclass
class RequestContext:
    """The caller and the call, as the pipeline learns them.

    ``region`` is the region the request was signed for, or None when it was not
    signed (then it is taken as coming from the account's home region). It
    decides where a write may come from, never which resource is meant:
    ``arn_region``, the region in every resource ARN of the request, is the
    account's home region (else ``arn_region_fallback``), set by the hub.
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
    arn_region: str = DEFAULT_ARN_REGION
    arn_region_fallback: str = DEFAULT_ARN_REGION

    def arn_region_for(self, home_region: str | None) -> str:
        """The region a resource's ARN carries when the account's home region is this."""
        return home_region or self.arn_region_fallback

    def allows(self, action: str, resource: str) -> bool:
        return self.policy is None or self.policy.decide(action, resource)
