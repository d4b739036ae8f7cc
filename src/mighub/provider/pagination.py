"""Opaque, restart-proof ``NextToken``s.

A token is the base64 of a small JSON document naming the listing it belongs to
and the last key of the page it ended: the next page starts after that key, so a
token survives restarts and works on any replica. A token that does not decode,
or that belongs to another listing, is refused with ``InvalidInputException``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson

from ..errors import InvalidInputException

Row = TypeVar("Row")


def encode(scope: str, key: Sequence[Any]) -> str:
    return base64.b64encode(orjson.dumps({"s": scope, "k": list(key)})).decode()


def decode(token: str | None, scope: str, arity: int) -> tuple[Any, ...] | None:
    """The key a token resumes after, or None for the first page."""
    if not token:
        return None
    try:
        document = orjson.loads(base64.b64decode(token, validate=True))
        key = document["k"]
        if document["s"] != scope or not isinstance(key, list) or len(key) != arity:
            raise ValueError
        if any(isinstance(part, (dict, list)) for part in key):
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidInputException(
            "Value at 'NextToken' failed to satisfy constraint: Member must be a token "
            "returned by a previous call of this operation with the same arguments"
        ) from None
    return tuple(key)


def page(
    rows: Sequence[Row], limit: int, scope: str, key: Callable[[Row], Sequence[Any]]
) -> tuple[Sequence[Row], str | None]:
    """Split the ``limit + 1`` rows fetched into a page and the token after it."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode(scope, key(rows[-1]))


def listing(key: str, items: list[Any], token: str | None) -> dict[str, Any]:
    """A list operation's output: the items under ``key``, and the token when
    there is a next page (absent, not null, on the last one, as AWS answers)."""
    out: dict[str, Any] = {key: items}
    if token:
        out["NextToken"] = token
    return out
