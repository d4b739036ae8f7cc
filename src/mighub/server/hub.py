"""The hub: providers over one store, and the protocol-free call path.

``Hub.call`` is everything that happens to a request after the wire and the
caller's authentication, in order: validate against the model (and the
provider's own checks), authorise against the caller's policy, answer dry runs,
make sure the caller's account exists, and dispatch to the provider method named
after the operation. It knows nothing of HTTP, so it also serves in-process
callers.

A resource has one ARN whatever region a request is signed for: its region is
the account's home region (where Migration Hub keeps the data), else the hub's
preset home region, else us-east-1. Each replica caches that region per account
and never lets a decision stand on the cache alone: an allowed call confirms it
inside its own transaction (which reads the home region anyway, for the
home-region rules) and is authorised again and retried if it moved; a refusal
or a dry-run answer, which no transaction follows, reads it afresh first.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore import xform_name

from ..auth import resources
from ..clock import now_us
from ..context import DEFAULT_ARN_REGION, RequestContext
from ..errors import (
    AccessDeniedException,
    DryRunOperation,
    ServiceUnavailableException,
    UnauthorizedOperation,
    UnknownOperationException,
)
from ..events import kinds
from ..events.feed import Feed
from ..models import Operation
from ..protocol.validation import validate_input
from ..provider.base import ArnRegionChanged, Provider
from ..provider.home_region import HomeRegionProvider, add_control
from ..provider.migration_hub import MigrationHubProvider
from ..store.engine import Store
from ..store.transaction import Transaction
from ..webhooks.delivery import Dispatcher, WebhookSettings

log = logging.getLogger(__name__)

# Units of work are small so that a deletion never holds the writer for long.
DELETE_BATCH = 500
PRUNE_BATCH = 1000
STALE_BATCH = 500
# How often a call is authorised again because the account's home region moved
# under it; more than once means it keeps moving, and the caller retries later.
REAUTHORIZE = 3


@dataclass(frozen=True)
class HubSettings:
    # The home region given to each account that has never had one; None is
    # AWS's own behaviour (HomeRegionNotSetException until one is created).
    preset_home_region: str | None = "us-east-1"
    # How long the event log keeps an event.
    event_retention_seconds: float = 30 * 24 * 3600
    # How often deadlines are checked: a task goes stale in the log within this of its deadline.
    stale_check_seconds: float = 0.5
    # How often the live feed looks for events other replicas committed.
    event_poll_seconds: float = 0.5
    # The comment an idle event stream sends, to keep proxies from closing it.
    heartbeat_seconds: float = 15.0
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)


@cache
def _argument_names(operation: Operation) -> dict[str, str]:
    shape = operation.model.input_shape
    return {name: xform_name(name) for name in shape.members} if shape else {}


class Hub:
    def __init__(self, store: Store, settings: HubSettings | None = None) -> None:
        self.store = store
        self.settings = settings or HubSettings()
        self.mgh = MigrationHubProvider(store, on_stream_deleting=self._wake_deleter)
        self.config = HomeRegionProvider(store)
        self._providers: dict[str, Provider] = {"mgh": self.mgh, "migrationhub-config": self.config}
        self._known_accounts: set[str] = set()
        # account -> the region its resources' ARNs carry, as last seen (see above).
        self._arn_regions: dict[str, str] = {}
        self._deleter_wakeup: asyncio.Event | None = None
        self.feed = Feed(store, poll_seconds=self.settings.event_poll_seconds)
        self.webhooks = Dispatcher(store, self.settings.webhooks)

    @property
    def arn_region_fallback(self) -> str:
        """The ARN region of an account without a home region: never the caller's choice."""
        return self.settings.preset_home_region or DEFAULT_ARN_REGION

    async def call(self, ctx: RequestContext, body: Any) -> dict[str, Any]:
        operation = ctx.operation
        params = validate_input(operation.model.input_shape, body)
        provider = self._providers[operation.service]
        provider.validate(ctx, params)
        ctx.arn_region_fallback = self.arn_region_fallback
        cached = self._arn_regions.get(ctx.account_id)
        ctx.arn_region = cached or await self._read_arn_region(ctx)
        allowed = self._authorize(ctx, params)
        if cached is not None and (not allowed or params.get("DryRun")):
            # This answer is final without a transaction to confirm the region.
            fresh = await self._read_arn_region(ctx)
            if fresh != ctx.arn_region:
                ctx.arn_region = fresh
                allowed = self._authorize(ctx, params)
        if params.get("DryRun"):
            # A dry run answers exactly one question: would the caller be allowed?
            raise (
                DryRunOperation()
                if allowed
                else UnauthorizedOperation(
                    f"{ctx.principal} is not authorized to perform {ctx.decision_action} on {ctx.resource}"
                )
            )
        if not allowed:
            raise self._denied(ctx)
        await self._ensure_account(ctx.account_id)
        method: Callable[..., Awaitable[dict[str, Any]]] | None = getattr(provider, xform_name(operation.name), None)
        if method is None:  # every modeled operation has a method; a newer botocore may add more
            raise UnknownOperationException(f"{operation.name} is not implemented by this hub")
        names = _argument_names(operation)
        # DryRun was answered above: no provider method takes it.
        arguments = {names[key]: value for key, value in params.items() if key != "DryRun"}
        for _ in range(REAUTHORIZE):
            try:
                result = await method(ctx, **arguments)
            except ArnRegionChanged as moved:  # nothing was changed
                self._arn_regions[ctx.account_id] = ctx.arn_region = moved.region
                if not self._authorize(ctx, params):
                    raise self._denied(ctx) from None
                continue
            if operation.name in ("CreateHomeRegionControl", "DeleteHomeRegionControl"):
                self._arn_regions.pop(ctx.account_id, None)  # the home region may have just moved
            return result
        raise ServiceUnavailableException("The account's home region keeps changing; retry later")

    async def _read_arn_region(self, ctx: RequestContext) -> str:
        def work(tx: Transaction) -> str:
            return ctx.arn_region_for(tx.home_region(ctx.account_id))

        region = await self.store.aread(work)
        self._arn_regions[ctx.account_id] = region
        return region

    @staticmethod
    def _denied(ctx: RequestContext) -> AccessDeniedException:
        return AccessDeniedException(
            f"User: {ctx.principal} is not authorized to perform: {ctx.decision_action} on resource: {ctx.resource}"
        )

    @staticmethod
    def _authorize(ctx: RequestContext, params: dict[str, Any]) -> bool:
        operation = ctx.operation.name
        ctx.resource = resources.resource(operation, params, ctx.arn_region, ctx.account_id)
        ctx.decision_action = resources.action(operation)
        allowed = ctx.allows(ctx.decision_action, ctx.resource)
        ctx.decision = "Allow" if allowed else "Deny"
        return allowed

    # -- accounts ----------------------------------------------------------------

    async def _ensure_account(self, account_id: str) -> None:
        """Create the account on first sight, with the preset home region."""
        if account_id in self._known_accounts:
            return
        preset = self.settings.preset_home_region

        def work(tx: Transaction) -> None:
            if tx.create_account(account_id, now_us()) and preset is not None:
                add_control(tx, account_id, preset)

        await self.store.awrite(work)
        self._known_accounts.add(account_id)

    # -- background deletion of streams ---------------------------------------

    def _wake_deleter(self) -> None:
        if self._deleter_wakeup is not None:
            self._deleter_wakeup.set()

    async def run_deleter(self, poll_seconds: float = 5.0) -> None:
        """Delete streams marked for deletion, in bounded batches, forever."""
        self._deleter_wakeup = asyncio.Event()
        while True:
            try:
                while await self.store.awrite(self._delete_some):
                    await asyncio.sleep(0)  # let requests in between batches
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away; try again later
                log.warning("stream deletion paused: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._deleter_wakeup.wait(), poll_seconds)
            self._deleter_wakeup.clear()

    @staticmethod
    def _delete_some(tx: Transaction) -> bool:
        """One batch of deletion; True while more remains."""
        pending = tx.deleting_streams(1)
        if not pending:
            return False
        stream = pending[0]
        if tx.delete_stream_batch(stream.id, DELETE_BATCH) < DELETE_BATCH:  # the stream itself went too
            data = {"ProgressUpdateStreamName": stream.name}
            tx.emit(stream.account_id, kinds.STREAM_DELETED, data, at_us=now_us(), stream=stream.name)
        return True

    # -- the event log's retention ------------------------------------------------

    async def run_pruner(self) -> None:
        """Remove events older than the retention period, in bounded batches, forever."""
        retention = self.settings.event_retention_seconds
        poll_seconds = min(60.0, retention / 2)  # an event outlives its retention by half of it at most
        while True:
            try:
                before = now_us() - int(retention * 1_000_000)
                # The log, and with it the webhook attempts of the same age.
                for prune in (Transaction.prune_events, Transaction.prune_webhook_attempts):
                    batch = functools.partial(prune, before_us=before, batch=PRUNE_BATCH)
                    while await self.store.awrite(batch) == PRUNE_BATCH:
                        await asyncio.sleep(0)  # let requests in between batches
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away; try again later
                log.warning("event pruning paused: %s", exc)
            await asyncio.sleep(poll_seconds)

    # -- staleness, as events ---------------------------------------------------------

    async def run_stale_watch(self) -> None:
        """Tell the log of each task whose deadline passed, once, forever.

        The database says which deadlines have passed and which were told, so any
        replica may do it, one that was down catches up on what passed meanwhile,
        and no task is told twice (``Transaction.report_stale``)."""
        while True:
            try:
                while await self.store.awrite(self._report_stale) == STALE_BATCH:
                    await asyncio.sleep(0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away; try again later
                log.warning("stale watch paused: %s", exc)
            await asyncio.sleep(self.settings.stale_check_seconds)

    @staticmethod
    def _report_stale(tx: Transaction) -> int:
        now = now_us()
        found = tx.report_stale(now, STALE_BATCH)
        for task in found:
            assert task.stale_at_us is not None
            data = kinds.task_key(task.stream_name, task.name)
            data.update(Task=kinds.task_state(task), StaleAt=kinds.iso(task.stale_at_us))
            tx.emit(task.account_id, kinds.TASK_STALE, data, at_us=now, stream=task.stream_name)
        return len(found)
