"""What one request carries through the layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import uuid4

from .models import Operation

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
    request_id: str = field(default_factory=lambda: str(uuid4()))
