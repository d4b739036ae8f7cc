"""Moving a hub between databases: a JSON-lines export of everything, and its import.

The file names every record by its natural key (account id, stream name, task
name), never by a database id, so it loads into any engine and any database.
Layout: a header line, then accounts, home-region controls, application states
and streams, then tasks in pages of ``PAGE`` (by account, stream, name), each
page followed by its tasks' history, resource attributes, created artifacts,
discovered and source resources. Every section has a fixed order, so one hub
exports to the same bytes from SQLite or PostgreSQL (given a bytewise collation,
such as PostgreSQL's C or C.UTF-8), and an export of an import is the original.

Memory stays bounded whatever the hub's size: export reads in keyset pages and
server-side cursors; import inserts in batches and resolves natural keys back to
ids with one query per batch and a small cache.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Table, any_, bindparam, create_engine, event, false, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

from .dialect import normalize_url
from .migrate import SchemaError, current_revision, ensure_schema, head_revision
from .schema import (
    accounts,
    application_states,
    created_artifacts,
    discovered_resources,
    home_region_controls,
    resource_attributes,
    source_resources,
    streams,
    task_updates,
    tasks,
)

FORMAT = "mighub-export"
VERSION = 1
PAGE = 500  # tasks per export page: their children are fetched with one IN list
BATCH = 1000  # records per INSERT on import
_CACHE = 10_000  # resolved natural keys kept on import before the cache is dropped

Progress = Callable[[int], None]  # told how many more records are done


class PortableError(Exception):
    """An export or import that cannot go on; the message says why (and where)."""


# -- the record types ---------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str  # in the file
    column: str  # in the table
    kind: type  # int or str, as JSON gives them
    nullable: bool = False
    owner: bool = False  # part of a task child's owner key (not a column of its table)


def _f(name: str, kind: type = str, nullable: bool = False, column: str | None = None) -> Field:
    return Field(name, column or name, kind, nullable)


@dataclass(frozen=True)
class Kind:
    type: str
    table: Table
    fields: tuple[Field, ...]  # the record's fields after "type", in file order
    label: tuple[str, str]  # singular, plural: for summaries
    order: tuple[str, ...] = ()  # child columns that order a task's children


_OWNER = tuple(Field(n, n, str, owner=True) for n in ("account_id", "stream", "task"))  # a task child's task

KINDS: dict[str, Kind] = {
    k.type: k
    for k in (
        Kind("account", accounts, (_f("account_id"), _f("created_us", int)), ("account", "accounts")),
        Kind(
            "home_region_control",
            home_region_controls,
            (
                _f("control_id"),
                _f("account_id"),
                _f("home_region"),
                _f("target_type"),
                _f("target_id", str, True),
                _f("requested_us", int),
            ),
            ("home-region control", "home-region controls"),
        ),
        Kind(
            "application_state",
            application_states,
            (_f("account_id"), _f("application_id"), _f("status"), _f("update_us", int)),
            ("application state", "application states"),
        ),
        Kind("stream", streams, (_f("account_id"), _f("name"), _f("created_us", int)), ("stream", "streams")),
        Kind(
            "task",
            tasks,
            (
                _f("account_id"),
                _f("stream", column="stream_name"),
                _f("name"),
                _f("created_us", int),
                _f("status", str, True),
                _f("status_detail", str, True),
                _f("progress_percent", int, True),
                _f("update_us", int, True),
                _f("next_update_seconds", int, True),
                _f("stale_at_us", int, True),
            ),
            ("task", "tasks"),
        ),
        Kind(
            "task_update",
            task_updates,
            _OWNER
            + (
                _f("update_us", int),
                _f("received_us", int),
                _f("status"),
                _f("status_detail", str, True),
                _f("progress_percent", int, True),
                _f("next_update_seconds", int),
            ),
            ("task update", "task updates"),
            # ids break ties: import inserts in file order, so it keeps them.
            order=("update_us", "received_us", "id"),
        ),
        Kind(
            "resource_attribute",
            resource_attributes,
            _OWNER + (_f("position", int), _f("attribute_type", column="type"), _f("value")),  # "type" names the record
            ("resource attribute", "resource attributes"),
            order=("position",),
        ),
        Kind(
            "created_artifact",
            created_artifacts,
            _OWNER + (_f("name"), _f("description", str, True)),
            ("created artifact", "created artifacts"),
            order=("name",),
        ),
        Kind(
            "discovered_resource",
            discovered_resources,
            _OWNER + (_f("configuration_id"), _f("description", str, True)),
            ("discovered resource", "discovered resources"),
            order=("configuration_id",),
        ),
        Kind(
            "source_resource",
            source_resources,
            _OWNER + (_f("name"), _f("description", str, True), _f("status_detail", str, True)),
            ("source resource", "source resources"),
            order=("name",),
        ),
    )
}
TASK_CHILDREN = ("task_update", "resource_attribute", "created_artifact", "discovered_resource", "source_resource")


def describe_counts(counts: Counter[str]) -> str:
    """``3 streams, 1 task, ...`` in the file's order; ``nothing`` when empty."""
    parts = []
    for name, kind in KINDS.items():
        n = counts.get(name, 0)
        if n:
            parts.append(f"{n} {kind.label[0] if n == 1 else kind.label[1]}")
    return ", ".join(parts) or "nothing"


# -- opening databases -----------------------------------------------------------


def display_url(url: str) -> str:
    return normalize_url(url).render_as_string(hide_password=True)


def make_engine(url: str, *, write: bool) -> Engine:
    """An engine on ``url``; on SQLite, one whose transactions are real ones.

    The sqlite3 module opens no transaction for a SELECT, so without this an
    export's pages would each see a different moment of a live hub.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed)
    engine = create_engine(parsed, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _sqlite_path(url: str) -> Path | None:
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _prepare(conn: Connection, url: str, *, must_exist: bool) -> None:
    """Bring the schema to head, as ``mighub serve`` would (SQLite upgrades itself,
    a shared database is upgraded on purpose), or say what to run."""
    if must_exist and current_revision(conn) is None:
        raise PortableError(f"{display_url(url)} holds no mighub schema: nothing to export")
    try:
        ensure_schema(conn, upgrade=conn.dialect.name == "sqlite")
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
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
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


# -- export ------------------------------------------------------------------------


def header() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "schema": head_revision()}


def encode(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def count_records(conn: Connection) -> int:
    """About how many records an export holds (for a progress bar's total)."""
    return sum(conn.scalar(select(func.count()).select_from(k.table)) or 0 for k in KINDS.values())


def _record(kind: Kind, row: Any, owner: tuple[str, str, str] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"type": kind.type}
    values = row._mapping
    for i, f in enumerate(kind.fields):
        # A child's first three fields are its owner's key (_OWNER).
        record[f.name] = owner[i] if f.owner else values[f.column]  # type: ignore[index]
    return record


def _among(column: Any, ids: list[int]) -> Any:
    """``column IN ids``; on PostgreSQL as one array parameter, not one per id,
    which psycopg would otherwise spend longer rendering than the query takes."""
    return column == any_(bindparam(None, ids, type_=ARRAY(BigInteger)))


def _simple(conn: Connection, kind: Kind, keys: tuple[str, ...], *where: Any) -> Iterator[dict[str, Any]]:
    table = kind.table
    query = select(*(table.c[f.column] for f in kind.fields)).where(*where)
    query = query.order_by(*(table.c[k] for k in keys)).execution_options(yield_per=BATCH)
    for row in conn.execute(query):  # a server-side cursor on PostgreSQL
        yield _record(kind, row)


def export_records(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every record of the hub, in the file's order (header not included)."""
    yield from _simple(conn, KINDS["account"], ("account_id",))
    yield from _simple(conn, KINDS["home_region_control"], ("account_id", "control_id"))
    yield from _simple(conn, KINDS["application_state"], ("account_id", "application_id"))
    # A stream being deleted is on its way out, with its tasks: it does not move.
    yield from _simple(conn, KINDS["stream"], ("account_id", "name"), streams.c.deleting == false())
    yield from _tasks(conn)


def _tasks(conn: Connection) -> Iterator[dict[str, Any]]:
    kind = KINDS["task"]
    natural = (tasks.c.account_id, tasks.c.stream_name, tasks.c.name)  # uq_tasks_account_stream_name
    query = (
        select(tasks.c.id, *(tasks.c[f.column] for f in kind.fields))
        .select_from(tasks.join(streams, streams.c.id == tasks.c.stream_id))
        .where(streams.c.deleting == false())
        .order_by(*natural)
        .limit(PAGE)
    )
    last: tuple[str, str, str] | None = None
    while True:
        page = conn.execute(query if last is None else query.where(tuple_(*natural) > tuple_(*last))).all()
        if not page:
            return
        owners = {row.id: (row.account_id, row.stream_name, row.name) for row in page}
        for row in page:
            yield _record(kind, row)
        for child in TASK_CHILDREN:
            yield from _children(conn, KINDS[child], owners)
        last = owners[page[-1].id]


def _children(conn: Connection, kind: Kind, owners: dict[int, tuple[str, str, str]]) -> Iterator[dict[str, Any]]:
    table = kind.table
    own = [table.c[f.column] for f in kind.fields if not f.owner]
    ids, pg = list(owners), conn.dialect.name == "postgresql"
    query = (
        select(table.c.task_id, *own)
        .select_from(table.join(tasks, tasks.c.id == table.c.task_id))
        # Both sides filtered: else PostgreSQL may hash-join against every task, per page.
        .where(_among(table.c.task_id, ids) if pg else table.c.task_id.in_(ids))
        .where(_among(tasks.c.id, ids) if pg else tasks.c.id.in_(ids))
        # In the page's order (by the tasks' natural keys), whatever the ids.
        .order_by(tasks.c.account_id, tasks.c.stream_name, tasks.c.name, *(table.c[c] for c in kind.order))
        .execution_options(yield_per=BATCH)
    )
    for row in conn.execute(query):
        yield _record(kind, row, owners[row.task_id])


# -- reading a file ----------------------------------------------------------------


def check_header(line_no: int, value: Any) -> None:
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise PortableError(f"line {line_no}: not a mighub export (expected a header line with \"format\": \"{FORMAT}\")")
    version = value.get("version")
    if version != VERSION:
        raise PortableError(f"line {line_no}: export format version {version!r}; this mighub reads version {VERSION}")


def check_record(line_no: int, value: Any) -> dict[str, Any]:
    """``value`` as a record, or a PortableError naming the line and the fault."""
    if not isinstance(value, dict):
        raise PortableError(f"line {line_no}: expected a JSON object, got {type(value).__name__}")
    name = value.get("type")
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise PortableError(f"line {line_no}: unknown record type {value.get('type')!r} (expected one of {', '.join(KINDS)})")
    for f in kind.fields:
        if f.name not in value:
            raise PortableError(f"line {line_no}: {kind.type} has no {f.name!r}")
        v = value[f.name]
        if v is None and f.nullable:
            continue
        if not isinstance(v, f.kind) or isinstance(v, bool):
            want = "an integer" if f.kind is int else "a string"
            raise PortableError(f"line {line_no}: {kind.type}'s {f.name!r} must be {want}{' or null' if f.nullable else ''}, not {json.dumps(v)}")
    extra = set(value) - {"type"} - {f.name for f in kind.fields}
    if extra:
        raise PortableError(f"line {line_no}: {kind.type} has unknown field(s) {', '.join(sorted(extra))}")
    return value


def parse_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, parsed JSON) for each record line of a file; checks the header first."""
    seen_header = False
    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue  # blank lines (a trailing newline, an editor's) carry nothing
        try:
            value = json.loads(raw)
        except UnicodeDecodeError as exc:
            raise PortableError(f"line {line_no}: not UTF-8 ({exc.reason})") from exc
        except json.JSONDecodeError as exc:
            raise PortableError(f"line {line_no}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not seen_header:
            check_header(line_no, value)
            seen_header = True
            continue
        yield line_no, value  # checked by import_records, which checks whatever it is given
    if not seen_header:
        raise PortableError(f"the input is empty: expected a header line {json.dumps(header())}")


# -- import ------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)  # already in the target: left as they were


Batch = list[tuple[int, dict[str, Any]]]


def import_records(
    conn: Connection,
    records: Iterable[tuple[int, dict[str, Any]]],
    *,
    merge: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Load checked records into the database behind ``conn`` (in its transaction)."""
    if not merge and conn.scalar(select(streams.c.id).limit(1)) is not None:
        raise PortableError(
            "the target database already holds streams; import into an empty database, "
            "or pass --merge to keep what it holds and add what it lacks"
        )
    loader = _Loader(conn, merge)
    batch: Batch = []
    for line_no, record in records:
        if batch and (record["type"] != batch[0][1]["type"] or len(batch) >= BATCH):
            loader.load(batch)
            if progress:
                progress(len(batch))
            batch = []
        batch.append((line_no, check_record(line_no, record)))
    if batch:
        loader.load(batch)
        if progress:
            progress(len(batch))
    return loader.result


def _lines(batch: Batch) -> str:
    first, last = batch[0][0], batch[-1][0]
    return f"line {first}" if first == last else f"lines {first}-{last}"


class _Loader:
    """Inserts batches of one type, mapping natural keys back to this database's ids.

    A task the target already held is kept whole (state, history, attributes,
    associations): mixing two hubs' histories of one task would leave a state
    that matches neither. Tasks this import adds get ids above ``_first_new``.
    """

    def __init__(self, conn: Connection, merge: bool) -> None:
        self.conn = conn
        self.merge = merge
        self.result = ImportResult()
        self._first_new = conn.scalar(select(func.coalesce(func.max(tasks.c.id), 0))) or 0
        self._streams: dict[tuple[str, ...], tuple[int, bool]] = {}
        self._tasks: dict[tuple[str, ...], int] = {}

    def load(self, batch: Batch) -> None:
        kind = KINDS[batch[0][1]["type"]]
        try:
            if kind.type == "task":
                rows = self._task_rows(batch)
            elif kind.type in TASK_CHILDREN:
                rows = self._child_rows(kind, batch)
            elif kind.type == "home_region_control":
                rows = self._control_rows(batch)
            else:
                key = {"account": ("account_id",), "application_state": ("account_id", "application_id"), "stream": ("account_id", "name")}[kind.type]
                rows = self._new_rows(kind, batch, key)
            if rows and kind.type == "task":
                self._insert_tasks(rows)
            elif rows:
                self._insert(kind.table, rows)
        except DBAPIError as exc:
            raise PortableError(f"{_lines(batch)}: the database refused these {kind.label[1]}: {exc.orig}") from exc
        self.result.added[kind.type] += len(rows)
        self.result.kept[kind.type] += len(batch) - len(rows)

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if self.conn.dialect.name != "postgresql":
            self.conn.execute(table.insert(), rows)  # sqlite3's executemany is quick
            return
        # COPY, in this same transaction: several times faster than one INSERT per
        # row, which is what an executemany without RETURNING sends to PostgreSQL.
        columns = list(rows[0])
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])

    def _insert_tasks(self, rows: list[dict[str, Any]]) -> None:
        # Their ids come back with them: the children that follow need no lookup.
        if len(self._tasks) > _CACHE:
            self._tasks.clear()
        query = tasks.insert().returning(tasks.c.account_id, tasks.c.stream_name, tasks.c.name, tasks.c.id)
        for account_id, stream, name, task_id in self.conn.execute(query, rows):
            self._tasks[(account_id, stream, name)] = task_id

    # -- by type -------------------------------------------------------------

    @staticmethod
    def _columns(kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
        return {f.column: record[f.name] for f in kind.fields if not f.owner}

    def _existing(self, table: Table, columns: tuple[str, ...], keys: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        cols = [table.c[c] for c in columns]
        found = self.conn.execute(select(*cols).where(tuple_(*cols).in_(list(keys))))
        return {tuple(row) for row in found}

    def _new_rows(self, kind: Kind, batch: Batch, key: tuple[str, ...]) -> list[dict[str, Any]]:
        """The batch's records that the target lacks (the first of any repeats)."""
        seen = self._existing(kind.table, key, {tuple(r[k] for k in key) for _, r in batch})
        rows = []
        for _, record in batch:
            k = tuple(record[c] for c in key)
            if k not in seen:
                seen.add(k)
                rows.append(self._columns(kind, record) | ({"deleting": False} if kind.type == "stream" else {}))
        return rows

    def _control_rows(self, batch: Batch) -> list[dict[str, Any]]:
        # An account has one home region: one the target already set is kept.
        ids = {r["control_id"] for _, r in batch}
        owners = {r["account_id"] for _, r in batch}
        taken = {c for (c,) in self._existing(home_region_controls, ("control_id",), {(i,) for i in ids})}
        has = {a for (a,) in self._existing(home_region_controls, ("account_id",), {(a,) for a in owners})}
        rows = []
        for _, record in batch:
            if record["control_id"] not in taken and record["account_id"] not in has:
                has.add(record["account_id"])
                rows.append(self._columns(KINDS["home_region_control"], record))
        return rows

    def _task_rows(self, batch: Batch) -> list[dict[str, Any]]:
        self._resolve_streams({(r["account_id"], r["stream"]) for _, r in batch})
        seen: set[tuple[Any, ...]] = set()
        if self.merge:  # else the target held no streams, so no tasks either
            keys = {(r["account_id"], r["stream"], r["name"]) for _, r in batch}
            seen = self._existing(tasks, ("account_id", "stream_name", "name"), keys)
        rows = []
        for line_no, record in batch:
            stream = self._streams.get((record["account_id"], record["stream"]))
            if stream is None:
                raise PortableError(
                    f"line {line_no}: task {record['name']!r} belongs to stream {record['stream']!r} "
                    f"of account {record['account_id']}, which neither the file (before it) nor the target holds"
                )
            if stream[1]:
                raise PortableError(
                    f"line {line_no}: stream {record['stream']!r} of account {record['account_id']} is being "
                    "deleted in the target; import again once it is gone"
                )
            key = (record["account_id"], record["stream"], record["name"])
            if key not in seen:
                seen.add(key)
                rows.append(self._columns(KINDS["task"], record) | {"stream_id": stream[0]})
        return rows

    def _child_rows(self, kind: Kind, batch: Batch) -> list[dict[str, Any]]:
        self._resolve_tasks({(r["account_id"], r["stream"], r["task"]) for _, r in batch})
        rows = []
        for line_no, record in batch:
            task_id = self._tasks.get((record["account_id"], record["stream"], record["task"]))
            if task_id is None:
                raise PortableError(
                    f"line {line_no}: {kind.type} of task {record['task']!r} in stream {record['stream']!r} "
                    f"of account {record['account_id']}, which neither the file (before it) nor the target holds"
                )
            if task_id > self._first_new:  # a task the target held keeps its own
                rows.append(self._columns(kind, record) | {"task_id": task_id})
        return rows

    # -- natural keys to ids ---------------------------------------------------

    def _resolve_streams(self, keys: set[tuple[str, str]]) -> None:
        missing = keys - self._streams.keys()
        if not missing:
            return
        if len(self._streams) > _CACHE:
            self._streams.clear()
        cols = (streams.c.account_id, streams.c.name)
        query = select(*cols, streams.c.id, streams.c.deleting).where(tuple_(*cols).in_(list(missing)))
        for account_id, name, stream_id, deleting in self.conn.execute(query):
            self._streams[(account_id, name)] = (stream_id, bool(deleting))

    def _resolve_tasks(self, keys: set[tuple[str, str, str]]) -> None:
        missing = keys - self._tasks.keys()
        if not missing:
            return
        if len(self._tasks) > _CACHE:
            self._tasks.clear()
        cols = (tasks.c.account_id, tasks.c.stream_name, tasks.c.name)
        for account_id, stream, name, task_id in self.conn.execute(select(*cols, tasks.c.id).where(tuple_(*cols).in_(list(missing)))):
            self._tasks[(account_id, stream, name)] = task_id


# -- the whole moves -----------------------------------------------------------------


def copy(source: str, target: str, *, merge: bool = False, progress: Progress | None = None, on_total: Callable[[int], None] | None = None) -> ImportResult:
    """Export ``source`` straight into ``target``, in this process, with no file between."""
    if normalize_url(source) == normalize_url(target):
        raise PortableError("--from and --to name the same database")
    with reading(source) as src:
        if on_total is not None:
            on_total(count_records(src))
        numbered = ((n, r) for n, r in enumerate(export_records(src), start=2))  # as the file's lines
        with writing(target) as dst:
            return import_records(dst, numbered, merge=merge, progress=progress)


__all__ = [
    "BATCH",
    "FORMAT",
    "KINDS",
    "PAGE",
    "VERSION",
    "ImportResult",
    "PortableError",
    "copy",
    "count_records",
    "describe_counts",
    "encode",
    "export_records",
    "header",
    "import_records",
    "parse_lines",
    "reading",
    "writing",
]
