"""The ``migrationhub-config`` service: home-region controls.

An account has at most one home region, as on AWS ("after your home Region is
set, it can only be changed by contacting AWS Support"): creating the same
control again returns it, asking for another region is refused until the
control is deleted.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from ..clock import from_us, now_us
from ..context import RequestContext
from ..errors import InvalidInputException
from ..events import kinds
from ..store.rows import HomeRegionControl
from ..store.transaction import Transaction
from . import pagination
from .base import Provider, reads, writes

CONTROLS = pagination.Listing("DescribeHomeRegionControls", (str,))
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_control_id() -> str:
    return "hrc-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def add_control(tx: Transaction, account_id: str, home_region: str) -> dict[str, Any]:
    """Record a home-region control for the account and return its description."""
    control = HomeRegionControl(
        control_id=new_control_id(),
        account_id=account_id,
        home_region=home_region,
        target_type="ACCOUNT",
        target_id=account_id,
        requested_us=now_us(),
    )
    tx.insert_home_region_control(control)
    data = {"ControlId": control.control_id, "HomeRegion": home_region, "Target": {"Type": "ACCOUNT", "Id": account_id}}
    tx.emit(account_id, kinds.HOME_REGION_CREATED, data, at_us=control.requested_us)
    return _describe(control)


def _describe(control: HomeRegionControl) -> dict[str, Any]:
    target: dict[str, Any] = {"Type": control.target_type}
    if control.target_id:
        target["Id"] = control.target_id
    return {
        "ControlId": control.control_id,
        "HomeRegion": control.home_region,
        "Target": target,
        "RequestedTime": from_us(control.requested_us),
    }


class HomeRegionProvider(Provider):
    def validate(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        # Before any dry run is answered: a control is only ever for the caller's own account.
        if ctx.operation.name == "CreateHomeRegionControl":
            target_id = params["Target"].get("Id", ctx.account_id)
            if target_id != ctx.account_id:
                raise InvalidInputException(f"Target.Id {target_id} is not the caller's account {ctx.account_id}")

    @writes
    def create_home_region_control(
        self,
        tx: Transaction,
        ctx: RequestContext,
        home_region: str,
        target: dict[str, Any],
    ) -> dict[str, Any]:
        tx.lock_account(ctx.account_id)  # one home region, even across replicas
        existing = tx.list_home_region_controls(
            ctx.account_id, control_id=None, home_region=None, target_type=None, target_id=None, after=None, limit=1
        )
        if existing:
            current = existing[0]
            if current.home_region == home_region:
                return {"HomeRegionControl": _describe(current)}
            raise InvalidInputException(
                f"The home region of account {ctx.account_id} is already {current.home_region} "
                f"(control {current.control_id}); delete that control to choose another"
            )
        return {"HomeRegionControl": add_control(tx, ctx.account_id, home_region)}

    @writes
    def delete_home_region_control(self, tx: Transaction, ctx: RequestContext, control_id: str) -> dict[str, Any]:
        home = tx.home_region(ctx.account_id)
        if not tx.delete_home_region_control(ctx.account_id, control_id):
            raise InvalidInputException(f"Home region control {control_id} does not exist")
        data = {"ControlId": control_id, "HomeRegion": home}
        tx.emit(ctx.account_id, kinds.HOME_REGION_DELETED, data, at_us=now_us())
        return {}

    @reads
    def describe_home_region_controls(
        self,
        tx: Transaction,
        ctx: RequestContext,
        control_id: str | None = None,
        home_region: str | None = None,
        target: dict[str, Any] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        filters = {
            "control_id": control_id,
            "home_region": home_region,
            "target_type": target.get("Type") if target else None,
            "target_id": target.get("Id") if target else None,
        }
        rows, token = self.tokens.pages(CONTROLS, ctx.account_id, filters).page(
            lambda after, n: tx.list_home_region_controls(
                ctx.account_id, **filters, after=after[0] if after else None, limit=n
            ),
            next_token,
            max_results or 100,
            lambda r: (r.control_id,),
        )
        return pagination.listing("HomeRegionControls", [_describe(r) for r in rows], token)

    @reads
    def get_home_region(self, tx: Transaction, ctx: RequestContext) -> dict[str, Any]:
        home = tx.home_region(ctx.account_id)
        return {"HomeRegion": home} if home else {}
