"""The command table: services, their operations and CLI names, all read from the models.

Kept free of botocore's session import so that building the table for one command
costs only the JSON load of one service model.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel, ServiceModel

__all__ = ["SERVICES", "operation_for", "operation_names", "paginator_config", "service_model"]

# CLI service name -> botocore service name (the aws CLI uses the same names).
SERVICES: dict[str, str] = {"mgh": "mgh", "migrationhub-config": "migrationhub-config"}


@cache
def loader():  # type: ignore[no-untyped-def]
    """The one botocore data loader of the process, shared with the client's session.

    botocore's loader lists every one of its ~450 services (a directory scan per data
    type, ~10 ms each) only to check that a name is known; this CLI knows its two.
    """
    import os

    from botocore.loaders import Loader

    class _KnownServicesLoader(Loader):  # type: ignore[misc]
        def list_available_services(self, type_name: str) -> list[str]:
            return list(SERVICES.values())

        def load_data(self, name: str) -> Any:
            # The legacy endpoints table (~1 MB, ~16 ms to parse) only guesses hosts
            # from regions; this CLI always passes an explicit endpoint URL and region.
            if name == "endpoints":
                return {"partitions": [], "version": 3}
            return super().load_data(name)

    # AWS_DATA_PATH adds model directories, as it does for botocore's own loader.
    extra = os.environ.get("AWS_DATA_PATH")
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in extra.split(os.pathsep)] if extra else None
    return _KnownServicesLoader(extra_search_paths=paths)


@cache
def service_model(service: str) -> ServiceModel:
    data = loader().load_service_model(SERVICES[service], "service-2")
    return ServiceModel(data, service_name=SERVICES[service])


@cache
def operation_names(service: str) -> dict[str, str]:
    """CLI name -> operation name, e.g. ``notify-migration-task-state`` -> ``NotifyMigrationTaskState``."""
    model = service_model(service)
    return {xform_name(name, "-"): name for name in sorted(model.operation_names)}


def operation_for(service: str, cli_name: str) -> OperationModel | None:
    name = operation_names(service).get(cli_name)
    return None if name is None else service_model(service).operation_model(name)


@cache
def _paginators(service: str) -> dict[str, dict]:  # type: ignore[type-arg]
    from botocore.exceptions import DataNotFoundError

    try:
        data = loader().load_service_model(SERVICES[service], "paginators-1")
    except DataNotFoundError:
        return {}
    return dict(data.get("pagination", {}))


def paginator_config(operation: OperationModel) -> dict | None:  # type: ignore[type-arg]
    """botocore's paginator entry for the operation, or None when it does not paginate."""
    return _paginators(operation.service_model.service_name).get(operation.name)
