"""The ``mgh`` service.

One method per operation, named after it in snake_case, taking the validated
input members (but ``DryRun``) as snake_case keywords (native values:
datetimes, ints) and returning the output shape as a dict. The rules here are
the domain's; validation, dry runs and the wire are handled before a method is
called, the transaction and the home-region rules by its ``@reads`` or
``@writes`` (base.py). The operations are grouped by what they act on, one
module each.
"""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from .applications import ApplicationOperations
from .associations import AssociationOperations, check_resource_attributes
from .tasks import TaskOperations


class MigrationHubProvider(TaskOperations, AssociationOperations, ApplicationOperations):
    def validate(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        if ctx.operation.name == "PutResourceAttributes":
            check_resource_attributes(params["ResourceAttributeList"])
