"""Export: every record of a hub in the file's order, read in keyset pages of tasks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, false, func, select, tuple_

from .. import portable  # PAGE and BATCH are read from the package when used, so it can tune them
from ..dialect import profile
from ..schema import streams, tasks
from .records import KINDS, TASK_CHILDREN, Kind


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


def _simple(conn: Connection, kind: Kind, keys: tuple[str, ...], *where: Any) -> Iterator[dict[str, Any]]:
    table = kind.table
    query = select(*(table.c[f.column] for f in kind.fields)).where(*where)
    query = query.order_by(*(table.c[k] for k in keys)).execution_options(yield_per=portable.BATCH)
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
        .limit(portable.PAGE)
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
    ids, among = list(owners), profile(conn).among
    query = (
        select(table.c.task_id, *own)
        .select_from(table.join(tasks, tasks.c.id == table.c.task_id))
        # Both sides filtered: else PostgreSQL may hash-join against every task, per page.
        .where(among(table.c.task_id, ids))
        .where(among(tasks.c.id, ids))
        # In the page's order (by the tasks' natural keys), whatever the ids.
        .order_by(tasks.c.account_id, tasks.c.stream_name, tasks.c.name, *(table.c[c] for c in kind.order))
        .execution_options(yield_per=portable.BATCH)
    )
    for row in conn.execute(query):
        yield _record(kind, row, owners[row.task_id])
