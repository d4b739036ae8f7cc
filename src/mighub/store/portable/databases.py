"""Opening the databases an export reads and an import writes: one transaction each,
on a schema brought to head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..dialect import display_url, hub_engine, normalize_url, profile
from ..migrate import SchemaError, current_revision, ensure_schema
from .records import PortableError


def make_engine(url: str, *, write: bool) -> Engine:
    """An engine on ``url`` as the hub opens it: on SQLite, transactions are real
    ones, so an export's pages all see the same moment of a live hub."""
    return hub_engine(url, write=write)


def _sqlite_path(url: str) -> Path | None:
    parsed = normalize_url(url)
    return profile(parsed).location(parsed)


def _prepare(conn: Connection, url: str, *, must_exist: bool) -> None:
    """Bring the schema to head, as ``mighub serve`` would (SQLite upgrades itself,
    a shared database is upgraded on purpose), or say what to run."""
    if must_exist and current_revision(conn) is None:
        raise PortableError(f"{display_url(url)} holds no mighub schema: nothing to export")
    try:
        ensure_schema(conn, upgrade=profile(conn).upgrades_itself)
    except SchemaError as exc:
        raise PortableError(f"cannot use {display_url(url)}: {exc}") from exc


@contextmanager
def reading(url: str) -> Iterator[Connection]:
    """One read transaction on ``url``: a consistent snapshot of a live hub."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():  # SQLite would create an empty file
        raise PortableError(f"no database at {path}")
    engine = make_engine(url, write=False)
    try:
        with engine.connect() as conn:
            conn = profile(conn).snapshot(conn)
            with conn.begin():
                _prepare(conn, url, must_exist=True)
                yield conn
    except DBAPIError as exc:
        raise PortableError(f"cannot read {display_url(url)}: {exc.orig}") from exc
    finally:
        engine.dispose()


@contextmanager
def writing(url: str) -> Iterator[Connection]:
    """One write transaction on ``url``: an import lands whole or not at all."""
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, write=True)
    try:
        with engine.begin() as conn:
            _prepare(conn, url, must_exist=False)
            yield conn
    except DBAPIError as exc:
        raise PortableError(f"cannot write {display_url(url)}: {exc.orig}") from exc
    finally:
        engine.dispose()
