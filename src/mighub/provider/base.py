"""What every provider shares: the store, the clock, and the home-region rules."""

from __future__ import annotations

from ..context import RequestContext
from ..errors import HOME_REGION_NOT_SET, HomeRegionNotSetException, InvalidInputException
from ..store.engine import Store
from ..store.transaction import Transaction

# The AWS home-region page: "API calls for write actions (create, notify,
# associate, disassociate, import, or put) originating from outside your home
# Region are rejected"; reads and deletes are allowed from anywhere.
WRITE_PREFIXES = ("Create", "Notify", "Associate", "Disassociate", "Import", "Put")


class Provider:
    def __init__(self, store: Store) -> None:
        self.store = store

    def check_home_region(self, tx: Transaction, ctx: RequestContext) -> None:
        """Apply the home-region rules to this call.

        Operations whose model lists ``HomeRegionNotSetException`` need a home
        region; write operations must come from it once one is set.
        """
        operation = ctx.operation
        home = tx.home_region(ctx.account_id)
        if home is None:
            if "HomeRegionNotSetException" in operation.errors:
                raise HomeRegionNotSetException(HOME_REGION_NOT_SET)
            return
        if ctx.region is not None and ctx.region != home and operation.name.startswith(WRITE_PREFIXES):
            raise InvalidInputException(
                f"{operation.name} must be called in the home region {home}; "
                f"this request was signed for {ctx.region}"
            )

