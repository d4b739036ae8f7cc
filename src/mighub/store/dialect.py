"""What differs between SQLite and PostgreSQL: the URL's driver, and each engine's ``Profile``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Table, any_, bindparam, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# libpq reads these from a URL's query too: they are as secret as its password.
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})
# What may be a password in a URL SQLAlchemy cannot parse: after the user name up
# to the last "@", and the secret query parameters.
_SCHEME = re.compile(r"^[A-Za-z0-9+._-]+://")
_USERINFO = re.compile(r"^([^:/?#]*://[^:@/?#]*):.*@")
_SECRET_QUERY = re.compile(r"(?i)([?&](?:ssl)?password=)[^&]*")


def normalize_url(url: str | URL) -> URL:
    """``postgresql://`` means psycopg 3, the driver mighub ships with."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def display_url(url: str | URL) -> str:
    """A database URL fit to print or log: never its password, even from a URL
    that does not parse or holds it in its query."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return _masked(str(url))
    if "@" in (parsed.host or ""):
        # An unescaped "@" in the password: SQLAlchemy took the rest of it for the host.
        return _masked(str(url))
    hidden = {key: "***" for key in parsed.query if key.lower() in _SECRET_QUERY_KEYS}
    shown = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
    return shown.replace("=%2A%2A%2A", "=***")


def _masked(text: str) -> str:
    if not _SCHEME.match(text):
        # Not even shaped like a URL (a libpq "host=... password=..." string?):
        # nothing in it can be told apart from a password.
        return "(not shown: not a URL)"
    return _SECRET_QUERY.sub(r"\1***", _USERINFO.sub(r"\1:***@", text))


class Profile:
    """Everything the hub does differently on one engine, in one place: how it
    connects and pools, how many writers it runs, upserts, locking, what to ask
    about a lost COMMIT, and what export and import need. SQLite's is the
    default; PostgreSQL's overrides what differs."""

    name = "sqlite"
    # SQLite admits one writer at a time, so one thread does all the writing.
    writers = 1
    # The embedded default upgrades its schema itself; a shared database is
    # upgraded on purpose, with `mighub db upgrade`, while no old replica uses it.
    upgrades_itself = True
    # Whether a long key (keys.py) is unique, and found, by its digest rather
    # than by itself: PostgreSQL's index entries cannot hold the longest keys.
    digests_long_keys = False

    def location(self, url: URL) -> Path | None:
        """The file that holds the database, if it is in one."""
        return None if url.database in (None, "", ":memory:") else Path(url.database)

    def engine(self, url: URL, *, write: bool) -> Engine:
        """WAL, every commit durable before it returns, and transactions that
        are real ones (the sqlite3 module would open none for a SELECT, and would
        issue its own BEGIN, which breaks savepoints); a writer takes the write
        lock up front so a batch never has to upgrade a read lock halfway through."""
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    def insert(self, table: Table) -> Any:
        """An INSERT that can say what to do ON CONFLICT."""
        return sqlite.insert(table)

    def lock_schema(self, conn: Connection) -> None:
        """Make replicas that start together take turns at the schema: on
        SQLite the write transaction's lock already does."""

    def transaction_id(self, cursor: Any) -> str | None:
        """The open transaction's id, if it wrote anything: what to ask about
        should the connection go while it commits. SQLite needs none: a COMMIT
        that raised committed nothing."""
        return None

    def snapshot(self, conn: Connection) -> Connection:
        """``conn`` set to read one consistent snapshot (an export of a live hub):
        a SQLite transaction always is one."""
        return conn

    def among(self, column: Any, ids: list[int]) -> Any:
        """``column IN ids``."""
        return column.in_(ids)

    def bulk_insert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Many rows into ``table``, in ``conn``'s transaction."""
        conn.execute(table.insert(), rows)  # sqlite3's executemany is quick


class _PostgreSQL(Profile):
    name = "postgresql"
    # PostgreSQL takes concurrent transactions, and a writer there spends most
    # of its time waiting for round trips: several writers keep it busy.
    writers = 4
    upgrades_itself = False
    digests_long_keys = True

    def location(self, url: URL) -> Path | None:
        return None

    def engine(self, url: URL, *, write: bool) -> Engine:
        return create_engine(url, pool_pre_ping=True, pool_size=8)

    def insert(self, table: Table) -> Any:
        return postgresql.insert(table)

    def lock_schema(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})

    def transaction_id(self, cursor: Any) -> str | None:
        row = cursor.execute("SELECT pg_current_xact_id_if_assigned()::text").fetchone()
        return row[0] if row else None

    def snapshot(self, conn: Connection) -> Connection:
        return conn.execution_options(isolation_level="REPEATABLE READ")

    def among(self, column: Any, ids: list[int]) -> Any:
        # One array parameter, not one per id, which psycopg would otherwise
        # spend longer rendering than the query takes.
        return column == any_(bindparam(None, ids, type_=ARRAY(BigInteger)))

    def bulk_insert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        # COPY, in this same transaction: several times faster than one INSERT per
        # row, which is what an executemany without RETURNING sends to PostgreSQL.
        columns = list(rows[0])
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


# Any constant: replicas starting together on one PostgreSQL take turns here.
_SCHEMA_LOCK = 0x6D6967687562
_PROFILES = {profile.name: profile for profile in (Profile(), _PostgreSQL())}


def profile(of: str | URL | Connection) -> Profile:
    """The profile of a database URL, a backend's name, or an open connection."""
    if isinstance(of, Connection):
        name = of.dialect.name
    elif isinstance(of, str) and of in _PROFILES:
        name = of
    else:
        name = normalize_url(of).get_backend_name()
    return _PROFILES[name]


def hub_engine(url: str | URL, *, write: bool) -> Engine:
    """An engine as the hub uses its database (see ``Profile.engine``)."""
    parsed = normalize_url(url)
    return profile(parsed).engine(parsed, write=write)


def _driver_error(exc: BaseException) -> BaseException:
    # SQLAlchemy wraps the driver's exception; prepared statements raise it bare.
    return getattr(exc, "orig", None) or exc


def driver_message(exc: BaseException) -> str:
    """The first line of what the driver said: why a database could not be used."""
    text = str(_driver_error(exc))
    return text.splitlines()[0] if text else type(_driver_error(exc)).__name__


def is_retryable(exc: BaseException) -> bool:
    """A transaction the database aborted to resolve a conflict: run it again."""
    return getattr(_driver_error(exc), "sqlstate", None) in ("40001", "40P01")  # serialization, deadlock


def is_unavailable(exc: BaseException) -> bool:
    """The database itself failed (connection lost, server gone), not the statement."""
    if getattr(exc, "connection_invalidated", False):
        return True
    driver = _driver_error(exc)
    sqlstate = getattr(driver, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate[:2] in ("08", "57", "53")  # connection, operator intervention, resources
    return type(driver).__name__ == "OperationalError" and "closed" in str(driver).lower()


def is_refused_value(exc: BaseException) -> str | None:
    """If the database cannot hold a value of the request, a message for the
    caller: such input is the caller's to change. Every key the model allows
    fits (see keys.py); what is left is what PostgreSQL cannot represent at
    all, a NUL character in text, and values out of a column's range."""
    driver = _driver_error(exc)
    sqlstate = getattr(driver, "sqlstate", None) or ""
    # psycopg refuses a NUL itself, before sending: a DB-API DataError without a sqlstate.
    data_error = any(cls.__name__ == "DataError" for cls in type(driver).__mro__)
    if sqlstate == "54000" or sqlstate.startswith("22") or data_error:  # program limit, data exception
        detail = str(driver).splitlines()[0] if str(driver) else type(driver).__name__
        return f"The hub's database cannot store a value of this request: {detail}"
    return None
