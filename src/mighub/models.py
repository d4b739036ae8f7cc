"""The botocore service models: the single definition of the API mighub serves.

Loaded once per process and shared; nothing else restates operations, shapes or
constraints.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel

# (botocore service name, the X-Amz-Target prefix it is served under)
SERVICES = ("mgh", "migrationhub-config")


@dataclass(frozen=True)
class Operation:
    service: str  # botocore name: "mgh" or "migrationhub-config"
    name: str  # "NotifyMigrationTaskState"
    model: OperationModel
    errors: frozenset[str]  # the error codes the model lists for it


@cache
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


@cache
def task_statuses() -> tuple[str, ...]:
    """A migration task's statuses (``NOT_STARTED``, ``IN_PROGRESS``, ...), as the mgh model lists them."""
    return tuple(service_model("mgh").shape_for("Status").enum)


@cache
def operations_by_target() -> dict[str, Operation]:
    """Map every ``X-Amz-Target`` value the hub answers to its operation."""
    table: dict[str, Operation] = {}
    for service in SERVICES:
        model = service_model(service)
        prefix = model.metadata["targetPrefix"]
        for name in model.operation_names:
            op = model.operation_model(name)
            errors = frozenset(shape.name for shape in op.error_shapes)
            table[f"{prefix}.{name}"] = Operation(service, name, op, errors)
    return table
