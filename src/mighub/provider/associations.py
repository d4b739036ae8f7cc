"""``mgh`` operations on what a task is associated with: resource attributes,
created artifacts, discovered resources and source resources.

mighub has no Application Discovery Service behind it, so any well-formed
``ConfigurationId`` is accepted as a discovered resource.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from ..clock import now_us
from ..context import RequestContext
from ..errors import ResourceNotFoundException
from ..events import kinds
from ..protocol.validation import validation_error
from ..store.transaction import Transaction
from . import pagination
from .base import MigrationHubBase, reads, writes

ASSOCIATION_PAGE = 10
# The API's names for the values an association carries.
_MEMBERS = {
    "description": "Description",
    "status_detail": "StatusDetail",
}  # the models' maximum for these three listings

_MAC = re.compile(r"([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})")
# "^[^<>{}\\/?,=\p{Cntrl}]{1,256}$": Java's \p{Cntrl} is the ASCII controls.
_FQDN = re.compile(r"[^<>{}\\/?,=\x00-\x1f\x7f]{1,256}")


def _ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


# The value formats the model documents for ResourceAttribute, per type; the
# other types are free text within the model's own limits.
ATTRIBUTE_FORMATS: dict[str, tuple[Callable[[str], bool], str]] = {
    "IPV4_ADDRESS": (_ipv4, "an IPv4 address x.x.x.x, where x is an integer from 0 to 255"),
    "IPV6_ADDRESS": (_ipv6, "an IPv6 address"),
    "MAC_ADDRESS": (
        lambda v: _MAC.fullmatch(v) is not None,
        "a MAC address matching ^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$",
    ),
    "FQDN": (lambda v: _FQDN.fullmatch(v) is not None, "a domain name matching ^[^<>{}\\\\/?,=\\p{Cntrl}]{1,256}$"),
}


def check_resource_attributes(attributes: list[dict[str, str]]) -> None:
    """Check each value against the format the model documents for its type."""
    problems = []
    for position, attribute in enumerate(attributes, start=1):
        check = ATTRIBUTE_FORMATS.get(attribute["Type"])
        if check is not None and not check[0](attribute["Value"]):
            problems.append(
                f"Value '{attribute['Value']}' at 'ResourceAttributeList.member.{position}.Value' "
                f"failed to satisfy constraint: Member must be {check[1]} for type {attribute['Type']}"
            )
    if problems:
        raise validation_error(problems)


def without_orphan_vm_attributes(attributes: list[dict[str, str]]) -> list[dict[str, str]]:
    """The model's VM rule: VM_* attributes given without a VM_MANAGER_ID are discarded."""
    if any(a["Type"] == "VM_MANAGER_ID" for a in attributes):
        return attributes
    return [a for a in attributes if not a["Type"].startswith("VM_")]


class AssociationOperations(MigrationHubBase):
    # -- the generic shapes of associate / disassociate / list -----------------

    def _associate(
        self,
        tx: Transaction,
        ctx: RequestContext,
        stream: str,
        task_name: str,
        kind: str,
        key: str,
        values: dict[str, Any],
    ) -> dict[str, Any]:
        task_id = self.live_task_id(tx, ctx, stream, task_name)
        if tx.associate(kind, task_id, key, values):
            self._emit_association(tx, ctx, kinds.TASK_ASSOCIATED, stream, task_name, kind, key, values)
        return {}

    @staticmethod
    def _emit_association(
        tx: Transaction,
        ctx: RequestContext,
        type: str,
        stream: str,
        task_name: str,
        kind: str,
        key: str,
        values: dict[str, Any],
    ) -> None:
        data = kinds.task_key(stream, task_name)
        data["Kind"] = kinds.ASSOCIATION_KINDS[kind]
        data["Name"] = key
        data.update({_MEMBERS[name]: value for name, value in values.items() if value is not None})
        tx.emit(ctx.account_id, type, data, at_us=now_us(), stream=stream)

    def _disassociate(
        self, tx: Transaction, ctx: RequestContext, stream: str, task_name: str, kind: str, key: str, label: str
    ) -> dict[str, Any]:
        task_id = self.live_task_id(tx, ctx, stream, task_name)
        if not tx.disassociate(kind, task_id, key):
            raise ResourceNotFoundException(f"{label} {key} is not associated with migration task {task_name}")
        self._emit_association(tx, ctx, kinds.TASK_DISASSOCIATED, stream, task_name, kind, key, {})
        return {}

    def _list(
        self,
        tx: Transaction,
        ctx: RequestContext,
        stream: str,
        task_name: str,
        kind: str,
        next_token: str | None,
        max_results: int | None,
        output: tuple[str, Callable[[Any], dict[str, Any]]],
    ) -> dict[str, Any]:
        list_key, describe = output
        task = self.readable_task(tx, ctx, stream, task_name)
        rows, token = self.tokens.pages(_LISTINGS[kind], ctx.account_id, task.id).page(
            lambda after, n: tx.list_associations(kind, task.id, after=after[0] if after else None, limit=n),
            next_token,
            max_results or ASSOCIATION_PAGE,
            lambda r: (r.key,),
            find=lambda head, digest: tx.association_key(kind, task.id, head[0], digest),
        )
        return pagination.listing(list_key, [describe(r) for r in rows], token)

    # -- resource attributes ------------------------------------------------------

    @writes
    def put_resource_attributes(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        resource_attribute_list: list[dict[str, str]],
    ) -> dict[str, Any]:
        # Values were checked by MigrationHubProvider.validate, before any dry run.
        attributes = without_orphan_vm_attributes(resource_attribute_list)
        task_id = self.live_task_id(tx, ctx, progress_update_stream, migration_task_name)
        before = [{"Type": a.type, "Value": a.value} for a in tx.resource_attributes(task_id)]
        if before != attributes:
            tx.replace_resource_attributes(task_id, attributes)
            data = kinds.task_key(progress_update_stream, migration_task_name)
            data["ResourceAttributeList"] = attributes
            tx.emit(ctx.account_id, kinds.TASK_ATTRIBUTES_CHANGED, data, at_us=now_us(), stream=progress_update_stream)
        return {}

    # -- created artifacts ----------------------------------------------------------

    @writes
    def associate_created_artifact(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        created_artifact: dict[str, str],
    ) -> dict[str, Any]:
        return self._associate(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "created_artifact",
            created_artifact["Name"],
            {"description": created_artifact.get("Description")},
        )

    @writes
    def disassociate_created_artifact(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        created_artifact_name: str,
    ) -> dict[str, Any]:
        return self._disassociate(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "created_artifact",
            created_artifact_name,
            "Created artifact",
        )

    @reads
    def list_created_artifacts(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        return self._list(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "created_artifact",
            next_token,
            max_results,
            ("CreatedArtifactList", lambda r: _drop_none({"Name": r.name, "Description": r.description})),
        )

    # -- discovered resources -------------------------------------------------------

    @writes
    def associate_discovered_resource(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        discovered_resource: dict[str, str],
    ) -> dict[str, Any]:
        return self._associate(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "discovered_resource",
            discovered_resource["ConfigurationId"],
            {"description": discovered_resource.get("Description")},
        )

    @writes
    def disassociate_discovered_resource(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        configuration_id: str,
    ) -> dict[str, Any]:
        return self._disassociate(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "discovered_resource",
            configuration_id,
            "Discovered resource",
        )

    @reads
    def list_discovered_resources(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        return self._list(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "discovered_resource",
            next_token,
            max_results,
            (
                "DiscoveredResourceList",
                lambda r: _drop_none({"ConfigurationId": r.configuration_id, "Description": r.description}),
            ),
        )

    # -- source resources -------------------------------------------------------------

    @writes
    def associate_source_resource(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        source_resource: dict[str, str],
    ) -> dict[str, Any]:
        return self._associate(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "source_resource",
            source_resource["Name"],
            {
                "description": source_resource.get("Description"),
                "status_detail": source_resource.get("StatusDetail"),
            },
        )

    @writes
    def disassociate_source_resource(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        source_resource_name: str,
    ) -> dict[str, Any]:
        return self._disassociate(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "source_resource",
            source_resource_name,
            "Source resource",
        )

    @reads
    def list_source_resources(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        return self._list(
            tx,
            ctx,
            progress_update_stream,
            migration_task_name,
            "source_resource",
            next_token,
            max_results,
            (
                "SourceResourceList",
                lambda r: _drop_none({"Name": r.name, "Description": r.description, "StatusDetail": r.status_detail}),
            ),
        )


# Names of up to 1,600 characters: long keys.
_LISTINGS = {
    "created_artifact": pagination.Listing("ListCreatedArtifacts", (str,), long=True),
    "discovered_resource": pagination.Listing("ListDiscoveredResources", (str,), long=True),
    "source_resource": pagination.Listing("ListSourceResources", (str,), long=True),
}


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
