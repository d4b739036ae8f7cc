"""Sealed, restart-proof ``NextToken``s, and pages cut after filtering.

A token holds the key of the last row a page looked at: the next page starts
after it, so a token survives restarts and works on every replica. It is sealed
with AES-SIV (deterministic authenticated encryption, RFC 5297) under a key the
hub keeps in its database (``Store.token_key``): it reveals nothing, not even the
key of a row the caller may not see when a page ends after one. Deterministic,
so the same page always ends with the same token (paginators and retries see
stable tokens) and there is no nonce that could repeat. The caller's account,
the listing and its filters are the associated data, so a token is good only for
the same account's same listing with the same arguments. A token that does not
open is refused with ``InvalidInputException``; one that opens still holds a key
of the listing's declared types, or it is refused the same way.

A listing that filters rows the database cannot (by policy) looks at a bounded
number of rows per request: a page may come back short, or empty with a
``NextToken``, as AWS pages may.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from ..errors import InvalidInputException
from ..protocol.validation import INT64_MAX, INT64_MIN

Row = TypeVar("Row")
Key = tuple[Any, ...]

# Rows a filtered listing looks at per request, at least: bounds a request's
# work however few of the rows the caller may see.
SCAN_BUDGET = 1000
_SIV = 16  # the synthetic IV that opens every sealed token
# Plaintexts are padded to a multiple of this, so a token's length says almost
# nothing of the key inside it; never past what the model's 2,048 characters of
# base64 can hold, so padding alone never makes a token too long.
_PAD = 256
_ROOM = 2048 // 4 * 3 - _SIV


@dataclass(frozen=True)
class Listing:
    """A list operation and the types of the key its rows are ordered by."""

    name: str
    key: tuple[type, ...]


class Tokens:
    """Seals and opens the tokens of every listing, under one key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESSIV(key)

    def pages(self, listing: Listing, account_id: str, *filters: Any, field: str = "NextToken") -> Pages:
        """The pages of one account's listing with these filters (any JSON values);
        ``field`` is the name a refused token is reported under."""
        scope = orjson.dumps([account_id, listing.name, *filters])
        return Pages(self._aead, listing, scope, field)


class Pages:
    def __init__(self, aead: AESSIV, listing: Listing, scope: bytes, field: str) -> None:
        self._aead = aead
        self._listing = listing
        self._scope = scope
        self._field = field

    def seal(self, key: Sequence[Any]) -> str:
        plain = orjson.dumps(list(key))
        padded = max(len(plain), min(len(plain) + -len(plain) % _PAD, _ROOM))
        plain = plain.ljust(padded)  # JSON ignores trailing blanks
        return base64.b64encode(self._aead.encrypt(plain, [self._scope])).decode()

    def open(self, token: str | None) -> Key | None:
        """The key a token resumes after, or None for the first page."""
        if not token:
            return None
        try:
            sealed = base64.b64decode(token, validate=True)
            if len(sealed) <= _SIV:
                raise ValueError
            plain = self._aead.decrypt(sealed, [self._scope])
            return _typed(orjson.loads(plain), self._listing.key)
        except (ValueError, binascii.Error, InvalidTag):  # orjson.JSONDecodeError is a ValueError
            raise InvalidInputException(
                f"Value at '{self._field}' failed to satisfy constraint: Member must be a token "
                "returned by a previous call of this operation with the same arguments"
            ) from None

    def page(
        self,
        fetch: Callable[[Key | None, int], Sequence[Row]],
        token: str | None,
        limit: int,
        key: Callable[[Row], Sequence[Any]],
        visible: Callable[[Row], bool] | None = None,
    ) -> tuple[list[Row], str | None]:
        """Up to ``limit`` rows after ``token`` and the token after them.

        ``fetch(after, n)`` returns up to ``n`` rows in key order after the key
        ``after``. Rows ``visible`` rejects are skipped *before* the page is cut,
        looking at ``SCAN_BUDGET`` rows at most: a page may then come back short
        (or empty) with a token after the last row looked at.
        """
        after = self.open(token)
        budget = max(SCAN_BUDGET, 2 * limit)
        rows: list[Row] = []
        scanned = 0
        last: Row | None = None
        # The first fetch is all it takes when every row is visible; a second
        # one looks through the rest of the budget.
        want = limit + 1
        while True:
            fetched = fetch(after, want)
            for row in fetched:
                if scanned == budget:  # there is more, past what this page may look at
                    return rows, self.seal(key(last))  # type: ignore[arg-type]
                scanned += 1
                last = row
                if visible is None or visible(row):
                    if len(rows) == limit:  # one more to show: the next page starts here
                        return rows, self.seal(key(rows[-1]))
                    rows.append(row)
            if len(fetched) < want:
                return rows, None
            after = tuple(key(fetched[-1]))
            want = budget - scanned + 1


def _typed(parts: Any, types: tuple[type, ...]) -> Key:
    if not isinstance(parts, list) or len(parts) != len(types):
        raise ValueError
    for part, kind in zip(parts, types, strict=True):
        if type(part) is not kind:  # exactly: True is no int here
            raise ValueError
        if isinstance(part, int) and not INT64_MIN <= part <= INT64_MAX:
            raise ValueError
    return tuple(parts)


def listing(key: str, items: list[Any], token: str | None) -> dict[str, Any]:
    """A list operation's output: the items under ``key``, and the token when
    there is a next page (absent, not null, on the last one, as AWS answers)."""
    out: dict[str, Any] = {key: items}
    if token:
        out["NextToken"] = token
    return out
