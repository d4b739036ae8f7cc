"""What every provider shares: the store, how a method reads or writes it, and
the home-region rules.

A provider method is its domain rule and nothing else. ``@reads`` or
``@writes`` declares how it touches the store: the decorated method takes
``(self, tx, ctx, **arguments)`` and runs inside one transaction, on the reader
pool or in the group-commit writer, after the provider's ``check_home_region``
has run in that same transaction. What it is called with (``Hub.call``) is
``(ctx, **arguments)``, awaited. Whatever must follow the commit is written
after awaiting the declared method, in a method of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from ..context import RequestContext
from ..errors import (
    HOME_REGION_NOT_SET,
    HomeRegionNotSetException,
    InvalidInputException,
    ResourceNotFoundException,
    ServiceUnavailableException,
)
from ..store.engine import Store
from ..store.rows import Stream, Task
from ..store.transaction import Transaction
from .pagination import Tokens

# The AWS home-region page: "API calls for write actions (create, notify,
# associate, disassociate, import, or put) originating from outside your home
# Region are rejected"; reads and deletes are allowed from anywhere.
WRITE_PREFIXES = ("Create", "Notify", "Associate", "Disassociate", "Import", "Put")


class ArnRegionChanged(ServiceUnavailableException):
    """The call was authorised with ARNs of another region than the account's now.

    Raised inside the call's transaction, before it changes anything; the hub
    authorises the call again with ``region`` and retries it. Should it ever
    reach a client, it is the retryable ServiceUnavailableException.
    """

    def __init__(self, region: str) -> None:
        super().__init__("The account's home region changed while the request was being authorised; retry")
        self.region = region

    @property
    def code(self) -> str:
        return "ServiceUnavailableException"


class Provider:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.tokens = Tokens(store.token_key)

    def validate(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        """Checks beyond the model's constraints, run before any dry run is
        answered, so a dry run never promises what the real call would refuse."""

    def check_home_region(self, tx: Transaction, ctx: RequestContext) -> None:
        """The home-region rules of this service, run first in every declared
        transaction. None for ``migrationhub-config``: it is where the home
        region is chosen and read, its calls are authorised on ``*`` (no ARN
        region to confirm), and they work from any region."""


Access = Literal["read", "write"]
P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound=Provider)
Rule = Callable[Concatenate[S, Transaction, RequestContext, P], R]
Declared = Callable[Concatenate[S, RequestContext, P], Awaitable[R]]


def _declare(access: Access) -> Callable[[Rule[S, P, R]], Declared[S, P, R]]:
    def declare(rule: Rule[S, P, R]) -> Declared[S, P, R]:
        @functools.wraps(rule)
        async def method(self: S, ctx: RequestContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
            def work(tx: Transaction) -> R:
                self.check_home_region(tx, ctx)
                return rule(self, tx, ctx, *args, **kwargs)

            run = self.store.aread if access == "read" else self.store.awrite
            return await run(work)

        method.access = access  # type: ignore[attr-defined]
        return method

    return declare


# A method that only reads: one read-only transaction on the reader pool.
reads = _declare("read")
# A method that changes the store: one unit of work in the group-commit writer,
# answered once it is committed.
writes = _declare("write")


class MigrationHubBase(Provider):
    """What the ``mgh`` operations share: the home-region rules, and finding
    streams and tasks by the rules."""

    def __init__(self, store: Store, on_stream_deleting: Callable[[], None] | None = None) -> None:
        super().__init__(store)
        # Called after a stream is marked for deletion: wakes the background deleter.
        self._on_stream_deleting = on_stream_deleting or (lambda: None)

    def check_home_region(self, tx: Transaction, ctx: RequestContext) -> None:
        """Apply the home-region rules to this call.

        Operations whose model lists ``HomeRegionNotSetException`` need a home
        region; write operations must come from it once one is set. First, the
        home region the call was authorised with (a replica's cached belief) is
        confirmed in this very transaction, so no decision stands on a stale one.
        """
        operation = ctx.operation
        home = tx.home_region(ctx.account_id)
        if ctx.arn_region_for(home) != ctx.arn_region:
            raise ArnRegionChanged(ctx.arn_region_for(home))
        if home is None:
            if "HomeRegionNotSetException" in operation.errors:
                raise HomeRegionNotSetException(HOME_REGION_NOT_SET)
            return
        if ctx.region is not None and ctx.region != home and operation.name.startswith(WRITE_PREFIXES):
            raise InvalidInputException(
                f"{operation.name} must be called in the home region {home}; this request was signed for {ctx.region}"
            )

    def live_stream(self, tx: Transaction, ctx: RequestContext, name: str) -> Stream:
        """The stream a write goes to: it must exist and not be being deleted."""
        stream = tx.stream(ctx.account_id, name)
        if stream is None:
            raise ResourceNotFoundException(f"Progress update stream {name} does not exist")
        if stream.deleting:
            raise InvalidInputException(f"Progress update stream {name} is being deleted")
        return stream

    def live_task_id(self, tx: Transaction, ctx: RequestContext, stream: str, name: str) -> int:
        """The id of the task a write goes to, in a live stream."""
        found = tx.stream_and_task(ctx.account_id, stream, name)
        if found is None:
            raise ResourceNotFoundException(f"Progress update stream {stream} does not exist")
        if found.deleting:
            raise InvalidInputException(f"Progress update stream {stream} is being deleted")
        if found.task_id is None:
            raise ResourceNotFoundException(f"Migration task {name} does not exist in progress update stream {stream}")
        return found.task_id

    def readable_task(self, tx: Transaction, ctx: RequestContext, stream: str, name: str) -> Task:
        """The task a read looks at; a stream being deleted is already gone."""
        found = tx.stream(ctx.account_id, stream)
        if found is None or found.deleting:
            raise ResourceNotFoundException(f"Progress update stream {stream} does not exist")
        return self._task(tx, ctx, stream, name)

    @staticmethod
    def _task(tx: Transaction, ctx: RequestContext, stream: str, name: str) -> Task:
        task = tx.task(ctx.account_id, stream, name)
        if task is None:
            raise ResourceNotFoundException(f"Migration task {name} does not exist in progress update stream {stream}")
        return task
