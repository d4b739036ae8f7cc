"""Import: checked records loaded in batches, natural keys mapped back to this database's ids.

(``import`` is a keyword, hence the module's name.)"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select, tuple_
from sqlalchemy.exc import DBAPIError

from .. import portable  # BATCH and _CACHE are read from the package when used, so it can tune them
from ..dialect import profile
from ..schema import home_region_controls, streams, tasks
from .records import KINDS, TASK_CHILDREN, Kind, PortableError, Progress, check_record


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
        if batch and (record["type"] != batch[0][1]["type"] or len(batch) >= portable.BATCH):
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
                key = {
                    "account": ("account_id",),
                    "application_state": ("account_id", "application_id"),
                    "stream": ("account_id", "name"),
                }[kind.type]
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
        profile(self.conn).bulk_insert(self.conn, table, rows)

    def _insert_tasks(self, rows: list[dict[str, Any]]) -> None:
        # Their ids come back with them: the children that follow need no lookup.
        if len(self._tasks) > portable._CACHE:
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
        if len(self._streams) > portable._CACHE:
            self._streams.clear()
        cols = (streams.c.account_id, streams.c.name)
        query = select(*cols, streams.c.id, streams.c.deleting).where(tuple_(*cols).in_(list(missing)))
        for account_id, name, stream_id, deleting in self.conn.execute(query):
            self._streams[(account_id, name)] = (stream_id, bool(deleting))

    def _resolve_tasks(self, keys: set[tuple[str, str, str]]) -> None:
        missing = keys - self._tasks.keys()
        if not missing:
            return
        if len(self._tasks) > portable._CACHE:
            self._tasks.clear()
        cols = (tasks.c.account_id, tasks.c.stream_name, tasks.c.name)
        for account_id, stream, name, task_id in self.conn.execute(
            select(*cols, tasks.c.id).where(tuple_(*cols).in_(list(missing)))
        ):
            self._tasks[(account_id, stream, name)] = task_id
