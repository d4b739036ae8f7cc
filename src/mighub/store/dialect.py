"""The little that differs between engines: the URL's driver and upserts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url


def normalize_url(url: str | URL) -> URL:
    """``postgresql://`` means psycopg 3, the driver mighub ships with."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def insert(dialect_name: str, table: Table) -> Any:
    """An INSERT that can say what to do ON CONFLICT, on this engine."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table)


def is_retryable(exc: BaseException) -> bool:
    """A transaction the database aborted to resolve a conflict: run it again."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return sqlstate in ("40001", "40P01")  # serialization failure, deadlock
