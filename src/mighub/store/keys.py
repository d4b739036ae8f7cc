"""Keys longer than a PostgreSQL index entry can hold.

The model allows 1,600 characters for a created artifact's or source resource's
name, a ``ConfigurationId`` and an ``ApplicationId``: up to 6,400 bytes of UTF-8,
past the ~2,700 bytes of a PostgreSQL btree entry. There (migration 0004) such a
key is unique, and found, by its SHA-256 digest (``mighub_key_digest``), and
listed in order through an index on its first ``PREFIX`` characters, then the
whole key: in bytewise order the prefix orders as the key does, so the order is
the key's own. SQLite has no such limit and indexes the key itself.

A page that ends on such a key resumes from a token that carries only its first
characters and its digest: ``find`` looks the whole key up again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, and_, func, literal_column, select

from .dialect import Profile, profile

# Characters of a key in its ordering index: 4 bytes each at most, well inside
# an index entry beside the parent's id.
PREFIX = 500


def prefix(value: Any) -> Any:
    # Constants written into the SQL, as in the index, so that the planner sees the
    # index's own expression (bound parameters would not match it).
    return func.substr(value, literal_column("1"), literal_column(str(PREFIX)))


class LongKey:
    """One such key column and the columns it is unique within."""

    def __init__(self, parents: Sequence[Column[Any]], key: Column[Any]) -> None:
        self.parents = tuple(parents)
        self.key = key

    def conflict_target(self, engine: Profile) -> list[Any]:
        """The columns (or expressions) of the unique index, for ON CONFLICT."""
        return [*self.parents, func.mighub_key_digest(self.key) if engine.digests_long_keys else self.key]

    def equals(self, engine: Profile, value: str) -> Any:
        if not engine.digests_long_keys:
            return self.key == value
        # The digest finds the row through the index; the key itself decides.
        return and_(func.mighub_key_digest(self.key) == func.mighub_key_digest(value), self.key == value)

    def in_(self, engine: Profile, values: Sequence[str]) -> Any:
        if not engine.digests_long_keys:
            return self.key.in_(list(values))
        digests = [func.mighub_key_digest(v) for v in values]
        return and_(func.mighub_key_digest(self.key).in_(digests), self.key.in_(list(values)))

    def order_by(self, engine: Profile) -> list[Any]:
        if not engine.digests_long_keys:
            return [self.key]
        return [prefix(self.key), self.key]

    def after(self, engine: Profile, value: str) -> Any:
        """Keys that come after ``value``, for the next page."""
        if not engine.digests_long_keys:
            return self.key > value
        # Implied by the second condition; there so that the index range starts there.
        return and_(prefix(self.key) >= prefix(value), self.key > value)

    def find(self, conn: Connection, parents: Sequence[Any], head: str, digest: bytes) -> str | None:
        """The key of these parents that begins with ``head`` and has this
        SHA-256 digest, if a row still has it."""
        where = [column == value for column, value in zip(self.parents, parents, strict=True)]
        if profile(conn).digests_long_keys:
            # One probe of the unique index on (parents, digest).
            return conn.execute(select(self.key).where(*where, func.mighub_key_digest(self.key) == digest)).scalar()
        # SQLite indexes the key itself: the keys that begin with ``head`` follow it
        # in order; those are the only ones to hash, and they are few unless very
        # many keys share those (hundreds of) first characters.
        result = conn.execute(select(self.key).where(*where, self.key > head).order_by(self.key))
        try:
            for (key,) in result:
                if not key.startswith(head):
                    return None
                if hashlib.sha256(key.encode()).digest() == digest:
                    return str(key)
            return None
        finally:
            result.close()
