"""``mgh`` operations on application migration states.

mighub has no Application Discovery Service, so any well-formed
``ApplicationId`` is accepted. As for tasks, the newest ``UpdateDateTime``
wins (a tie goes to the later arrival); a notification without one is stamped
with the hub's time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..clock import from_us, now_us, to_us
from ..context import RequestContext
from ..errors import ResourceNotFoundException
from ..events import kinds
from ..store.transaction import Transaction
from . import pagination
from .base import MigrationHubBase, reads, writes

APPLICATION_PAGE = 100
STATES = pagination.Listing("ListApplicationStates", (str,), long=True)  # ids of up to 1,600 characters


class ApplicationOperations(MigrationHubBase):
    @writes
    def notify_application_state(
        self,
        tx: Transaction,
        ctx: RequestContext,
        application_id: str,
        status: str,
        update_date_time: datetime | None = None,
    ) -> dict[str, Any]:
        now = now_us()
        update_us = to_us(update_date_time) if update_date_time is not None else now
        before = tx.application_state(ctx.account_id, application_id)
        if before is not None and before.update_us > update_us:
            return {}  # the application already holds a newer state
        tx.put_application_state(ctx.account_id, application_id, status, update_us)
        if before is None or (before.status, before.update_us) != (status, update_us):
            data = {
                "ApplicationId": application_id,
                "ApplicationStatus": status,
                "UpdateDateTime": kinds.iso(update_us),
                "PreviousStatus": before.status if before is not None else None,
            }
            tx.emit(ctx.account_id, kinds.APPLICATION_STATE_CHANGED, data, at_us=now)
        return {}

    @reads
    def describe_application_state(self, tx: Transaction, ctx: RequestContext, application_id: str) -> dict[str, Any]:
        row = tx.application_state(ctx.account_id, application_id)
        if row is None:
            raise ResourceNotFoundException(f"No migration state has been notified for application {application_id}")
        return {"ApplicationStatus": row.status, "LastUpdatedTime": from_us(row.update_us)}

    @reads
    def list_application_states(
        self,
        tx: Transaction,
        ctx: RequestContext,
        application_ids: list[str] | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        # A token is only good for the same filter: the same set of ids.
        pages = self.tokens.pages(
            STATES, ctx.account_id, None if application_ids is None else sorted(set(application_ids))
        )
        rows, token = pages.page(
            lambda after, n: tx.list_application_states(
                ctx.account_id, application_ids=application_ids, after=after[0] if after else None, limit=n
            ),
            next_token,
            max_results or APPLICATION_PAGE,
            lambda r: (r.application_id,),
            find=lambda head, digest: tx.application_id(ctx.account_id, head[0], digest),
        )
        states = [
            {
                "ApplicationId": r.application_id,
                "ApplicationStatus": r.status,
                "LastUpdatedTime": from_us(r.update_us),
            }
            for r in rows
        ]
        return pagination.listing("ApplicationStateList", states, token)
