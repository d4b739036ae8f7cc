"""``Transaction.savepoint()`` undoes what its block changed when the block
raises, and only that: the rest of the transaction is committed."""

from __future__ import annotations

import pytest

from mighub.store.engine import Store
from mighub.store.transaction import Transaction

ACCOUNT = "111122223333"


def test_a_block_that_raises_is_undone_alone(store: Store) -> None:
    def work(tx: Transaction) -> None:
        tx.create_account(ACCOUNT, 1)
        tx.create_stream(ACCOUNT, "kept", 2)
        with pytest.raises(LookupError), tx.savepoint():
            tx.create_stream(ACCOUNT, "undone", 3)
            raise LookupError
        with tx.savepoint():
            tx.create_stream(ACCOUNT, "released", 4)

    store.write(work)

    def names(tx: Transaction) -> set[str]:
        return {name for name in ("kept", "undone", "released") if tx.stream(ACCOUNT, name) is not None}

    assert store.read(names) == {"kept", "released"}
