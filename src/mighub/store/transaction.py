"""Every query the hub makes, written once for every engine.

A ``Transaction`` wraps one open database transaction; the provider's units of
work call its methods and never see SQL. Rows come back as the named, typed
tuples of rows.py. Listing methods take the last key of
the previous page (keyset pagination), so a page costs the same however deep
it is and however many rows the account holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, or_, select, tuple_, update

from . import dialect
from .keys import LongKey
from .prepared import Prepared
from .rows import (
    ApplicationState,
    Association,
    CreatedArtifact,
    DeletingStream,
    DiscoveredResource,
    Event,
    EventLogBounds,
    HomeRegionControl,
    ResourceAttribute,
    SourceResource,
    Stream,
    StreamAndTask,
    Task,
    TaskUpdate,
    WebhookAttempt,
    WebhookEndpoint,
    columns,
)
from .schema import (
    TASK_CHILDREN,
    accounts,
    application_states,
    created_artifacts,
    discovered_resources,
    event_log,
    events,
    home_region_controls,
    hub_secrets,
    resource_attributes,
    source_resources,
    streams,
    task_updates,
    tasks,
    webhook_attempts,
    webhook_endpoints,
    webhook_replays,
)

# Things associated with a task by name: (table, the key naming each one, their rows).
ASSOCIATIONS: dict[str, tuple[Any, LongKey, type[Association]]] = {
    "created_artifact": (
        created_artifacts,
        LongKey([created_artifacts.c.task_id], created_artifacts.c.name),
        CreatedArtifact,
    ),
    "discovered_resource": (
        discovered_resources,
        LongKey([discovered_resources.c.task_id], discovered_resources.c.configuration_id),
        DiscoveredResource,
    ),
    "source_resource": (
        source_resources,
        LongKey([source_resources.c.task_id], source_resources.c.name),
        SourceResource,
    ),
}
APPLICATION = LongKey([application_states.c.account_id], application_states.c.application_id)


# The statements of the notification path: built once, compiled once per
# engine, run on the driver's cursor (see prepared.py for what that saves).
_HOME_REGION = Prepared(
    select(home_region_controls.c.home_region)
    .where(home_region_controls.c.account_id == bindparam("account_id"))
    .order_by(home_region_controls.c.requested_us, home_region_controls.c.control_id)
    .limit(1)
)
_STREAM = select(*columns(streams, Stream)).where(
    streams.c.account_id == bindparam("account_id"), streams.c.name == bindparam("stream_name")
)
_TASK = select(*columns(tasks, Task)).where(
    tasks.c.account_id == bindparam("account_id"),
    tasks.c.stream_name == bindparam("stream_name"),
    tasks.c.name == bindparam("task_name"),
)
# A stream and, if it has one by that name, its task: one lookup for the writes
# that need both.
_STREAM_AND_TASK = Prepared(
    select(streams.c.id, streams.c.deleting, tasks.c.id)
    .select_from(streams)
    .outerjoin(
        tasks,
        # The columns of the tasks' unique index, so this is one index probe.
        and_(
            tasks.c.account_id == streams.c.account_id,
            tasks.c.stream_name == streams.c.name,
            tasks.c.name == bindparam("task_name"),
        ),
    )
    .where(streams.c.account_id == bindparam("account_id"), streams.c.name == bindparam("stream_name"))
)
_INSERT_UPDATE = Prepared(
    insert(task_updates).values(
        task_id=bindparam("v_task_id"),
        received_us=bindparam("v_received_us"),
        update_us=bindparam("v_update_us"),
        status=bindparam("v_status"),
        status_detail=bindparam("v_status_detail"),
        progress_percent=bindparam("v_progress_percent"),
        next_update_seconds=bindparam("v_next_update_seconds"),
    )
)
# ">=": on a tie the later arrival wins, and arrivals are serialised by the
# database (the row lock on PostgreSQL, the write lock on SQLite).
_APPLY_STATE = Prepared(
    update(tasks)
    .where(
        tasks.c.id == bindparam("v_task_id"),
        or_(tasks.c.update_us.is_(None), tasks.c.update_us <= bindparam("v_update_us")),
    )
    .values(
        status=bindparam("v_status"),
        status_detail=bindparam("v_status_detail"),
        progress_percent=bindparam("v_progress_percent"),
        update_us=bindparam("v_update_us"),
        next_update_seconds=bindparam("v_next_update_seconds"),
        stale_at_us=bindparam("v_stale_at_us"),
        stale_reported=False,
    )
)
# The task as it stands, locked to the end of the transaction (PostgreSQL; SQLite's
# writer holds the whole database): what a notification's event calls "previous".
# One lookup: the task, if its stream is live, locked for the notification.
_LIVE_TASK_FOR_UPDATE = Prepared(
    select(*columns(tasks, Task))
    .join(streams, streams.c.id == tasks.c.stream_id)
    .where(
        tasks.c.account_id == bindparam("account_id"),
        tasks.c.stream_name == bindparam("stream_name"),
        tasks.c.name == bindparam("task_name"),
        streams.c.deleting.is_(False),
    )
    .with_for_update(of=tasks)
)
# The event log's numbering (see Transaction.append_events).
_TAKE_CURSORS = Prepared(
    update(event_log)
    .where(event_log.c.id == 1)
    .values(last_cursor=event_log.c.last_cursor + bindparam("n"))
    .returning(event_log.c.last_cursor)
)
_INSERT_EVENT = Prepared(
    insert(events).values(
        cursor=bindparam("v_cursor"),
        account_id=bindparam("v_account_id"),
        type=bindparam("v_type"),
        stream_name=bindparam("v_stream_name"),
        occurred_us=bindparam("v_occurred_us"),
        data=bindparam("v_data"),
    )
)


class Transaction:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.profile = dialect.profile(conn)
        self._cursor: Any = None
        # Events of this transaction's changes, given their cursors at commit.
        self.pending_events: list[dict[str, Any]] = []

    @property
    def cursor(self) -> Any:
        """The driver's cursor, inside this same transaction, for ``Prepared`` statements."""
        if self._cursor is None:
            self._cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        return self._cursor

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo what the block changed if it raises, and only that; the rest of
        the transaction stands. On the driver's cursor: SQLAlchemy's own path
        costs ~35 µs a statement, and a batch takes one savepoint per unit."""
        cursor = self.cursor
        cursor.execute("SAVEPOINT unit")
        try:
            yield
        except BaseException:
            # Should the database itself have gone, this raises its own error instead.
            cursor.execute("ROLLBACK TO SAVEPOINT unit")
            cursor.execute("RELEASE SAVEPOINT unit")
            raise
        cursor.execute("RELEASE SAVEPOINT unit")

    def _insert(self, table: Any) -> Any:
        return self.profile.insert(table)

    # -- the hub's own secrets ---------------------------------------------------

    def secret(self, name: str, *, new: bytes, now_us: int) -> bytes:
        """The hub's secret of that name; ``new`` becomes it if there is none yet
        (if another replica makes one at the same moment, one of the two wins)."""
        self.conn.execute(
            self._insert(hub_secrets)
            .values(name=name, secret=new, created_us=now_us)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        found = self.conn.execute(select(hub_secrets.c.secret).where(hub_secrets.c.name == name)).scalar_one()
        return bytes(found)

    # -- accounts and home-region controls -------------------------------------

    def create_account(self, account_id: str, now_us: int) -> bool:
        """Create the account; False if it already exists (another replica may
        have created it a moment ago)."""
        query = (
            self._insert(accounts)
            .values(account_id=account_id, created_us=now_us)
            .on_conflict_do_nothing(index_elements=["account_id"])
            .returning(accounts.c.account_id)
        )
        return self.conn.execute(query).first() is not None

    def lock_account(self, account_id: str) -> None:
        """Serialise changes to the account's home region across replicas."""
        query = select(accounts.c.account_id).where(accounts.c.account_id == account_id)
        self.conn.execute(query.with_for_update())

    def home_region(self, account_id: str) -> str | None:
        row = _HOME_REGION.execute(self.conn, self.cursor, {"account_id": account_id}).fetchone()
        return row[0] if row else None

    def insert_home_region_control(self, control: HomeRegionControl) -> None:
        self.conn.execute(insert(home_region_controls).values(**control._asdict()))

    def delete_home_region_control(self, account_id: str, control_id: str) -> int:
        c = home_region_controls.c
        result = self.conn.execute(
            delete(home_region_controls).where(c.account_id == account_id, c.control_id == control_id)
        )
        return result.rowcount

    def list_home_region_controls(
        self,
        account_id: str,
        *,
        control_id: str | None,
        home_region: str | None,
        target_type: str | None,
        target_id: str | None,
        after: str | None,
        limit: int,
    ) -> list[HomeRegionControl]:
        c = home_region_controls.c
        query = select(*columns(home_region_controls, HomeRegionControl)).where(c.account_id == account_id)
        for column, value in (
            (c.control_id, control_id),
            (c.home_region, home_region),
            (c.target_type, target_type),
            (c.target_id, target_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if after is not None:
            query = query.where(c.control_id > after)
        return list(map(HomeRegionControl._make, self.conn.execute(query.order_by(c.control_id).limit(limit))))

    # -- streams -----------------------------------------------------------------

    def stream(self, account_id: str, name: str) -> Stream | None:
        row = self.conn.execute(_STREAM, {"account_id": account_id, "stream_name": name}).first()
        return Stream._make(row) if row else None

    def stream_and_task(self, account_id: str, stream_name: str, task_name: str) -> StreamAndTask | None:
        """None if the stream does not exist; ``task_id`` None if it has no such task."""
        params = {"account_id": account_id, "stream_name": stream_name, "task_name": task_name}
        row = _STREAM_AND_TASK.execute(self.conn, self.cursor, params).fetchone()
        return StreamAndTask(row[0], bool(row[1]), row[2]) if row else None

    def create_stream(self, account_id: str, name: str, now_us: int) -> bool:
        """Create the stream; False if it already exists."""
        query = (
            self._insert(streams)
            .values(account_id=account_id, name=name, deleting=False, created_us=now_us)
            .on_conflict_do_nothing(index_elements=["account_id", "name"])
            .returning(streams.c.id)
        )
        # RETURNING, not rowcount: psycopg's rowcount for an INSERT … ON CONFLICT is -1.
        return self.conn.execute(query).first() is not None

    def mark_stream_deleting(self, stream_id: int) -> None:
        self.conn.execute(update(streams).where(streams.c.id == stream_id).values(deleting=True))

    def list_streams(self, account_id: str, *, after: str | None, limit: int) -> Sequence[str]:
        c = streams.c
        query = select(c.name).where(c.account_id == account_id, c.deleting.is_(False))
        if after is not None:
            query = query.where(c.name > after)
        return self.conn.execute(query.order_by(c.name).limit(limit)).scalars().all()

    def deleting_streams(self, limit: int) -> list[DeletingStream]:
        """Streams to delete that no other replica is working on right now."""
        c = streams.c
        query = select(c.id, c.account_id, c.name).where(c.deleting.is_(True)).order_by(c.id)
        query = query.limit(limit).with_for_update(skip_locked=True)
        return list(map(DeletingStream._make, self.conn.execute(query)))

    def delete_stream_batch(self, stream_id: int, batch: int) -> int:
        """Remove up to ``batch`` tasks of a deleting stream, with their history;
        remove the stream itself once it has none left. Returns tasks removed."""
        task_ids = (
            self.conn.execute(
                select(tasks.c.id).where(tasks.c.stream_id == stream_id).order_by(tasks.c.id).limit(batch)
            )
            .scalars()
            .all()
        )
        if task_ids:
            for child in TASK_CHILDREN:
                self.conn.execute(delete(child).where(child.c.task_id.in_(task_ids)))
            self.conn.execute(delete(tasks).where(tasks.c.id.in_(task_ids)))
        if len(task_ids) < batch:
            self.conn.execute(delete(streams).where(streams.c.id == stream_id))
        return len(task_ids)

    # -- tasks -------------------------------------------------------------------

    def task(self, account_id: str, stream_name: str, name: str) -> Task | None:
        params = {"account_id": account_id, "stream_name": stream_name, "task_name": name}
        row = self.conn.execute(_TASK, params).first()
        return Task._make(row) if row else None

    def create_task(self, stream_id: int, account_id: str, stream_name: str, name: str, now_us: int) -> bool:
        """Create the task; False if it already exists."""
        query = (
            self._insert(tasks)
            .values(
                stream_id=stream_id,
                account_id=account_id,
                stream_name=stream_name,
                name=name,
                created_us=now_us,
            )
            .on_conflict_do_nothing(index_elements=["account_id", "stream_name", "name"])
            .returning(tasks.c.id)
        )
        return self.conn.execute(query).first() is not None

    def live_task_for_update(self, account_id: str, stream_name: str, task_name: str) -> Task | None:
        """The task, if it exists in a stream not being deleted, locked until the
        transaction ends (on PostgreSQL; SQLite's writer holds the whole database),
        so what it says stays true until then. None says neither which is missing."""
        params = {"account_id": account_id, "stream_name": stream_name, "task_name": task_name}
        row = _LIVE_TASK_FOR_UPDATE.execute(self.conn, self.cursor, params).fetchone()
        return Task._make(row) if row else None

    def record_update(self, task_id: int, state: dict[str, Any], received_us: int) -> bool:
        """Append a notification to the task's history, and make it the task's
        state unless the task already holds a newer one; whether it did."""
        params = {"v_task_id": task_id, "v_received_us": received_us, **{f"v_{k}": v for k, v in state.items()}}
        _INSERT_UPDATE.execute(self.conn, self.cursor, params)
        return bool(_APPLY_STATE.execute(self.conn, self.cursor, params).rowcount)

    def report_stale(self, now_us: int, limit: int) -> list[Task]:
        """Tasks past their deadline whose staleness the log has not told yet,
        marked as told. Each is locked and skipped by other replicas' sweeps until
        this transaction ends, so each goes stale in the log once."""
        c = tasks.c
        query = (
            select(*columns(tasks, Task))
            .join(streams, streams.c.id == c.stream_id)
            .where(c.stale_reported.is_(False), c.stale_at_us < now_us, streams.c.deleting.is_(False))
            .order_by(c.stale_at_us)
            .limit(limit)
            .with_for_update(of=tasks, skip_locked=True)
        )
        found = list(map(Task._make, self.conn.execute(query)))
        if found:
            self.conn.execute(update(tasks).where(c.id.in_([t.id for t in found])).values(stale_reported=True))
        return found

    def count_tasks(self, now_us: int) -> dict[str | None, tuple[int, int]]:
        """Every task by status (None: never notified): how many, and how many of
        those are stale at ``now_us``. One pass over ``ix_tasks_status``, which
        holds both columns, so the table itself is never read."""
        c = tasks.c
        stale = func.count(case((c.stale_at_us < now_us, 1)))
        query = select(c.status, func.count(), stale).group_by(c.status)
        return {status: (int(n), int(late)) for status, n, late in self.conn.execute(query)}

    def list_tasks(
        self,
        account_id: str,
        *,
        after: tuple[str, str] | None,
        limit: int,
        configuration_id: str | None = None,
    ) -> list[Task]:
        """Tasks in (stream, name) order; only those associated with the
        discovered resource ``configuration_id`` when it is given."""
        c = tasks.c
        query = _live_tasks(account_id)
        if configuration_id is not None:
            key = ASSOCIATIONS["discovered_resource"][1]
            query = query.join(
                discovered_resources,
                and_(discovered_resources.c.task_id == c.id, key.equals(self.profile, configuration_id)),
            )
        return self._task_page(query, after, limit)

    def list_task_updates(self, task_id: int, *, after: tuple[int, int] | None, limit: int) -> list[TaskUpdate]:
        c = task_updates.c
        query = select(*columns(task_updates, TaskUpdate)).where(c.task_id == task_id)
        if after is not None:
            query = query.where(tuple_(c.update_us, c.id) > tuple_(*after))
        return list(map(TaskUpdate._make, self.conn.execute(query.order_by(c.update_us, c.id).limit(limit))))

    def find_tasks(
        self,
        account_id: str,
        *,
        stream_name: str | None,
        status: str | None,
        stale_before_us: int | None,
        fresh_at_us: int | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[Task]:
        """Tasks filtered for people: by stream, status, and staleness at a time."""
        c = tasks.c
        query = _live_tasks(account_id)
        if stream_name is not None:
            query = query.where(c.stream_name == stream_name)
        if status is not None:
            query = query.where(c.status == status)
        if stale_before_us is not None:
            query = query.where(c.stale_at_us < stale_before_us)
        if fresh_at_us is not None:
            query = query.where(or_(c.stale_at_us.is_(None), c.stale_at_us >= fresh_at_us))
        return self._task_page(query, after, limit)

    def _task_page(self, query: Any, after: tuple[str, str] | None, limit: int) -> list[Task]:
        """One page of a task listing, in (stream, name) order after ``after``."""
        c = tasks.c
        if after is not None:
            query = query.where(tuple_(c.stream_name, c.name) > tuple_(*after))
        return list(map(Task._make, self.conn.execute(query.order_by(c.stream_name, c.name).limit(limit))))

    # -- what is associated with a task -------------------------------------------

    def replace_resource_attributes(self, task_id: int, attributes: Sequence[dict[str, str]]) -> None:
        self.conn.execute(delete(resource_attributes).where(resource_attributes.c.task_id == task_id))
        if attributes:
            self.conn.execute(
                insert(resource_attributes),
                [
                    {"task_id": task_id, "position": i, "type": a["Type"], "value": a["Value"]}
                    for i, a in enumerate(attributes)
                ],
            )

    def resource_attributes(self, task_id: int) -> list[ResourceAttribute]:
        c = resource_attributes.c
        query = select(*columns(resource_attributes, ResourceAttribute)).where(c.task_id == task_id)
        return list(map(ResourceAttribute._make, self.conn.execute(query.order_by(c.position))))

    def associate(self, kind: str, task_id: int, key: str, values: dict[str, Any]) -> bool:
        """Associate ``key`` with the task, or update the association's values;
        False if it was already associated with these very values."""
        table, long_key, _ = ASSOCIATIONS[kind]
        query = self._insert(table).values(task_id=task_id, **{long_key.key.name: key}, **values)
        query = query.on_conflict_do_nothing(index_elements=long_key.conflict_target(self.profile))
        if self.conn.execute(query.returning(table.c.task_id)).first() is not None:
            return True
        if not values:
            return False
        changed = or_(*(table.c[name].is_distinct_from(value) for name, value in values.items()))
        where = and_(table.c.task_id == task_id, long_key.equals(self.profile, key), changed)
        return bool(self.conn.execute(update(table).where(where).values(**values)).rowcount)

    def disassociate(self, kind: str, task_id: int, key: str) -> int:
        table, long_key, _ = ASSOCIATIONS[kind]
        result = self.conn.execute(delete(table).where(table.c.task_id == task_id, long_key.equals(self.profile, key)))
        return result.rowcount

    def list_associations(self, kind: str, task_id: int, *, after: str | None, limit: int) -> list[Association]:
        table, key, row = ASSOCIATIONS[kind]
        query = select(*columns(table, row)).where(table.c.task_id == task_id)
        if after is not None:
            query = query.where(key.after(self.profile, after))
        return list(map(row._make, self.conn.execute(query.order_by(*key.order_by(self.profile)).limit(limit))))

    def association_key(self, kind: str, task_id: int, head: str, digest: bytes) -> str | None:
        """The key associated with the task that begins with ``head`` and has this
        SHA-256 digest, if it still is (for a page that ended on it)."""
        return ASSOCIATIONS[kind][1].find(self.conn, [task_id], head, digest)

    # -- application states -------------------------------------------------------

    def application_state(self, account_id: str, application_id: str) -> ApplicationState | None:
        c = application_states.c
        query = select(*columns(application_states, ApplicationState)).where(
            c.account_id == account_id, APPLICATION.equals(self.profile, application_id)
        )
        row = self.conn.execute(query).first()
        return ApplicationState._make(row) if row else None

    def put_application_state(self, account_id: str, application_id: str, status: str, update_us: int) -> None:
        """Record the state unless the application already holds a newer one
        (``application_state`` first, to know what it held)."""
        query = self._insert(application_states).values(
            account_id=account_id, application_id=application_id, status=status, update_us=update_us
        )
        query = query.on_conflict_do_update(
            index_elements=APPLICATION.conflict_target(self.profile),
            set_={"status": query.excluded.status, "update_us": query.excluded.update_us},
            where=application_states.c.update_us <= query.excluded.update_us,
        )
        self.conn.execute(query)

    def list_application_states(
        self,
        account_id: str,
        *,
        application_ids: Sequence[str] | None,
        after: str | None,
        limit: int,
    ) -> list[ApplicationState]:
        c = application_states.c
        query = select(*columns(application_states, ApplicationState)).where(c.account_id == account_id)
        if application_ids is not None:
            query = query.where(APPLICATION.in_(self.profile, application_ids))
        if after is not None:
            query = query.where(APPLICATION.after(self.profile, after))
        ordered = query.order_by(*APPLICATION.order_by(self.profile)).limit(limit)
        return list(map(ApplicationState._make, self.conn.execute(ordered)))

    def application_id(self, account_id: str, head: str, digest: bytes) -> str | None:
        """The account's ApplicationId that begins with ``head`` and has this
        SHA-256 digest (for a page that ended on it)."""
        return APPLICATION.find(self.conn, [account_id], head, digest)

    # -- the event log ---------------------------------------------------------------

    def emit(self, account_id: str, type: str, data: dict[str, Any], *, at_us: int, stream: str | None = None) -> None:
        """Record that this transaction changed something. The event is written
        with the change, when the transaction is about to commit (``append_events``)."""
        self.pending_events.append(
            {"account_id": account_id, "type": type, "stream_name": stream, "occurred_us": at_us, "data": data}
        )

    def append_events(self) -> int | None:
        """Write the pending events, numbered after the last cursor given out; the
        last of their cursors, or None if there were none.

        Just before COMMIT, and last: the log's one row stays locked from here to
        the end of the transaction, so cursors are given out in commit order. A
        transaction waiting for the row gets it only once the one before it has
        committed and is visible, so whoever reads "after cursor N" and sees an
        event also sees every event numbered before it: no reader ever skips one.
        """
        pending = self.pending_events
        if not pending:
            return None
        last: int = _TAKE_CURSORS.execute(self.conn, self.cursor, {"n": len(pending)}).fetchone()[0]
        first = last - len(pending) + 1
        rows = [
            {
                "v_cursor": first + i,
                "v_account_id": event["account_id"],
                "v_type": event["type"],
                "v_stream_name": event["stream_name"],
                "v_occurred_us": event["occurred_us"],
                "v_data": _json(event["data"]),
            }
            for i, event in enumerate(pending)
        ]
        _INSERT_EVENT.executemany(self.conn, self.cursor, rows)
        pending.clear()
        return last

    def event_log_bounds(self) -> EventLogBounds:
        log = event_log.c
        row = self.conn.execute(select(log.last_cursor, log.pruned_through).where(log.id == 1)).one()
        return EventLogBounds._make(row)

    def events_after(
        self,
        after: int,
        limit: int,
        *,
        account_id: str | None = None,
        types: Sequence[str] = (),
        type_prefixes: Sequence[str] = (),
        stream_name: str | None = None,
        stream_names: Sequence[str] = (),
    ) -> list[Event]:
        """Events with a cursor above ``after``, in cursor order; one account's,
        and only of the given types (or type prefixes) and stream(s), when asked."""
        c = events.c
        query = select(*columns(events, Event)).where(c.cursor > after)
        if account_id is not None:
            query = query.where(c.account_id == account_id)
        if types or type_prefixes:
            query = query.where(or_(c.type.in_(types), *(c.type.startswith(p, autoescape=True) for p in type_prefixes)))
        if stream_name is not None:
            query = query.where(c.stream_name == stream_name)
        if stream_names:
            query = query.where(c.stream_name.in_(stream_names))
        return list(map(Event._make, self.conn.execute(query.order_by(c.cursor).limit(limit))))

    def prune_events(self, before_us: int, batch: int) -> int:
        """Remove up to ``batch`` of the oldest events, if older than ``before_us``;
        how many. The log stays a run of cursors: only its head is cut."""
        c = events.c
        oldest = select(c.cursor, c.occurred_us).order_by(c.cursor).limit(batch).subquery()
        through = self.conn.execute(select(func.max(oldest.c.cursor)).where(oldest.c.occurred_us < before_us)).scalar()
        if through is None:
            return 0
        removed = self.conn.execute(delete(events).where(c.cursor <= through)).rowcount
        log = event_log.c
        self.conn.execute(
            update(event_log).where(log.id == 1, log.pruned_through < through).values(pruned_through=through)
        )
        return int(removed)

    # -- webhooks ------------------------------------------------------------------------

    def insert_webhook(self, endpoint: WebhookEndpoint) -> None:
        self.conn.execute(insert(webhook_endpoints).values(**endpoint._asdict()))

    def webhook(self, account_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        c = webhook_endpoints.c
        query = select(*columns(webhook_endpoints, WebhookEndpoint)).where(
            c.account_id == account_id, c.id == endpoint_id
        )
        row = self.conn.execute(query).first()
        return WebhookEndpoint._make(row) if row else None

    def webhooks(self, account_id: str) -> list[WebhookEndpoint]:
        c = webhook_endpoints.c
        query = select(*columns(webhook_endpoints, WebhookEndpoint)).where(c.account_id == account_id).order_by(c.id)
        return list(map(WebhookEndpoint._make, self.conn.execute(query)))

    def update_webhook(self, endpoint_id: str, **values: Any) -> int:
        c = webhook_endpoints.c
        return int(self.conn.execute(update(webhook_endpoints).where(c.id == endpoint_id).values(**values)).rowcount)

    def delete_webhook(self, endpoint_id: str) -> None:
        for table in (webhook_attempts, webhook_replays):
            self.conn.execute(delete(table).where(table.c.endpoint_id == endpoint_id))
        self.conn.execute(delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id))

    def webhooks_due(self, now_us: int) -> bool:
        """Whether any endpoint has something due that no replica holds (a read: the
        claim, a write, is made only then)."""
        c = webhook_endpoints.c
        query = select(c.id).where(c.enabled.is_(True), c.next_attempt_us <= now_us, c.lease_until_us < now_us)
        return self.conn.execute(query.limit(1)).first() is not None

    def claim_webhooks(self, now_us: int, lease_until_us: int, limit: int) -> list[WebhookEndpoint]:
        """Enabled endpoints with something due that no replica holds, held now
        until ``lease_until_us`` (other replicas skip them meanwhile)."""
        c = webhook_endpoints.c
        query = (
            select(*columns(webhook_endpoints, WebhookEndpoint))
            .where(c.enabled.is_(True), c.next_attempt_us <= now_us, c.lease_until_us < now_us)
            .order_by(c.next_attempt_us)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        found = list(map(WebhookEndpoint._make, self.conn.execute(query)))
        if found:
            ids = [e.id for e in found]
            self.conn.execute(update(webhook_endpoints).where(c.id.in_(ids)).values(lease_until_us=lease_until_us))
        return [e._replace(lease_until_us=lease_until_us) for e in found]

    def record_attempts(self, attempts: Sequence[dict[str, Any]]) -> None:
        if attempts:
            self.conn.execute(insert(webhook_attempts), list(attempts))

    def webhook_attempts(self, endpoint_id: str, limit: int) -> list[WebhookAttempt]:
        """The newest attempts first."""
        c = webhook_attempts.c
        query = select(*columns(webhook_attempts, WebhookAttempt)).where(c.endpoint_id == endpoint_id)
        return list(map(WebhookAttempt._make, self.conn.execute(query.order_by(c.id.desc()).limit(limit))))

    def add_replay(self, endpoint_id: str, cursor: int) -> None:
        self.conn.execute(
            self._insert(webhook_replays)
            .values(endpoint_id=endpoint_id, cursor=cursor)
            .on_conflict_do_nothing(index_elements=["endpoint_id", "cursor"])
        )

    def replays(self, endpoint_id: str) -> list[int]:
        c = webhook_replays.c
        query = select(c.cursor).where(c.endpoint_id == endpoint_id).order_by(c.cursor)
        return list(self.conn.execute(query).scalars())

    def remove_replay(self, endpoint_id: str, cursor: int) -> None:
        c = webhook_replays.c
        self.conn.execute(delete(webhook_replays).where(c.endpoint_id == endpoint_id, c.cursor == cursor))

    def event(self, cursor: int) -> Event | None:
        row = self.conn.execute(select(*columns(events, Event)).where(events.c.cursor == cursor)).first()
        return Event._make(row) if row else None

    def first_event_since(self, account_id: str, since_us: int) -> int | None:
        """The cursor of the account's first event at or after ``since_us``."""
        c = events.c
        query = select(func.min(c.cursor)).where(c.account_id == account_id, c.occurred_us >= since_us)
        found: int | None = self.conn.execute(query).scalar()
        return found

    def prune_webhook_attempts(self, before_us: int, batch: int) -> int:
        c = webhook_attempts.c
        oldest = select(c.id).where(c.at_us < before_us).order_by(c.id).limit(batch).scalar_subquery()
        return int(self.conn.execute(delete(webhook_attempts).where(c.id.in_(oldest))).rowcount)


def _live_tasks(account_id: str) -> Any:
    """The account's tasks in streams that are not being deleted: what every task listing starts from."""
    return (
        select(*columns(tasks, Task))
        .join(streams, streams.c.id == tasks.c.stream_id)
        .where(tasks.c.account_id == account_id, streams.c.deleting.is_(False))
    )


def _json(data: dict[str, Any]) -> str:
    return orjson.dumps(data).decode()
