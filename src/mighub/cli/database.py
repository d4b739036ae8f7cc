"""Which database a command means: one rule for ``serve``, ``export``, ``import``
and ``db copy``, so they always agree.

The first of these that is given wins (an option beats the environment, and a
database URL beats a data directory at the same level):

1. ``--database URL``
2. ``--data-dir DIR`` (SQLite ``DIR/mighub.sqlite3``)
3. ``$MIGHUB_DATABASE_URL``
4. ``$MIGHUB_DATA_DIR`` (SQLite in it)
5. the per-user data directory (SQLite in it)

An environment variable set to the empty string counts as not set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy.exc import ArgumentError

from ..store.dialect import display_url, normalize_url

DATABASE_FILE = "mighub.sqlite3"
DATABASE_URL_VAR = "MIGHUB_DATABASE_URL"
DATA_DIR_VAR = "MIGHUB_DATA_DIR"

# Said in the --help of every command that takes these options.
PRECEDENCE = (
    f"The database is the first given of: --database, --data-dir, ${DATABASE_URL_VAR}, "
    f"${DATA_DIR_VAR}, the per-user data directory (a data directory means SQLite "
    f"DIR/{DATABASE_FILE})."
)


class DatabaseChoiceError(ValueError):
    """The chosen database URL cannot be parsed; the message hides its password."""


@dataclass(frozen=True)
class Database:
    url: str
    source: str  # what chose it: "--database", "$MIGHUB_DATA_DIR", ...
    data_dir: Path | None = None  # set when the database is SQLite in a data directory

    @property
    def shown(self) -> str:
        """What to print for it: the SQLite file, or the URL without its password."""
        if self.data_dir is not None:
            return f"{self.data_dir / DATABASE_FILE} (SQLite)"
        return display_url(self.url)


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The data directory when no --data-dir is given."""
    return Path(environ.get(DATA_DIR_VAR) or platformdirs.user_data_dir("mighub"))


def _in_data_dir(data_dir: Path, source: str) -> Database:
    resolved = data_dir.expanduser().resolve()
    return Database(f"sqlite:///{resolved / DATABASE_FILE}", source, resolved)


def choose_database(
    database: str | None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] = os.environ,
    *,
    option: str = "--database",
) -> Database:
    """The database meant by a command's --database (named ``option`` in messages)
    and --data-dir, None when not given, and the environment, by the rule in this
    module's docstring."""
    if database is not None:
        chosen = Database(database, option)
    elif data_dir is not None:
        return _in_data_dir(data_dir, "--data-dir")
    elif environ.get(DATABASE_URL_VAR):
        chosen = Database(environ[DATABASE_URL_VAR], f"${DATABASE_URL_VAR}")
    elif environ.get(DATA_DIR_VAR):
        return _in_data_dir(Path(environ[DATA_DIR_VAR]), f"${DATA_DIR_VAR}")
    else:
        return _in_data_dir(Path(platformdirs.user_data_dir("mighub")), "the per-user data directory")
    check_url(chosen.url, chosen.source)
    return chosen


def check_url(url: str, source: str) -> None:
    """Refuse a URL SQLAlchemy cannot parse, before anything tries to open it."""
    try:
        parsed = normalize_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseChoiceError(f"{source} is not a database URL: {display_url(url)}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseChoiceError(
            f"{source} names a {parsed.get_backend_name()} database ({display_url(url)}); "
            "mighub keeps its data in SQLite or PostgreSQL"
        )
    if "@" in (parsed.host or ""):
        # Else the end of the password would be taken for the host, and shown.
        raise DatabaseChoiceError(
            f"{source} has an '@' in its password or user name: write it %40 ({display_url(url)})"
        )
