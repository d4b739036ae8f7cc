"""The tables, declared once for every engine (SQLite and PostgreSQL).

Times are stored as integer microseconds since the epoch (``*_us``): exact,
portable, and cheap to compare. ``tasks`` repeats its stream's account and name
so that the account-wide task listing is one index range scan in
(stream name, task name) order.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants 64 bits.
Id = BigInteger().with_variant(Integer(), "sqlite")


def Name(length: int) -> String:
    """A name the hub orders by: compared byte by byte on every engine, as SQLite
    does, so lists and exports come out in the same order whatever collation a
    PostgreSQL database was created with."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("created_us", BigInteger, nullable=False),
)

home_region_controls = Table(
    "home_region_controls",
    metadata,
    Column("control_id", Name(50), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("home_region", String(50), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", String(12), nullable=True),
    Column("requested_us", BigInteger, nullable=False),
    Index("ix_home_region_controls_account", "account_id", "control_id"),
)

streams = Table(
    "streams",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", String(12), nullable=False),
    Column("name", Name(50), nullable=False),
    Column("deleting", Boolean, nullable=False, default=False),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("account_id", "name", name="uq_streams_account_name"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("stream_id", Id, ForeignKey("streams.id"), nullable=False),
    Column("account_id", String(12), nullable=False),
    Column("stream_name", Name(50), nullable=False),
    Column("name", Name(256), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    # The current state: the notification with the newest update time.
    Column("status", String(16), nullable=True),
    Column("status_detail", Text, nullable=True),
    Column("progress_percent", Integer, nullable=True),
    Column("update_us", BigInteger, nullable=True),
    Column("next_update_seconds", BigInteger, nullable=True),
    # When the task turns stale; NULL when it never will (finished, or no promise).
    Column("stale_at_us", BigInteger, nullable=True),
    # Whether the event log has said this task went stale (and not yet that it recovered).
    Column("stale_reported", Boolean, nullable=False, default=False, server_default=false()),
    UniqueConstraint("account_id", "stream_name", "name", name="uq_tasks_account_stream_name"),
    Index("ix_tasks_stream", "stream_id", "id"),
    Index("ix_tasks_stale", "account_id", "stale_at_us"),
    Index("ix_tasks_unreported_stale", "stale_reported", "stale_at_us"),
    Index("ix_tasks_status", "status", "stale_at_us"),  # the metrics' task counts
)

task_updates = Table(
    "task_updates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("task_id", Id, ForeignKey("tasks.id"), nullable=False),
    Column("update_us", BigInteger, nullable=False),
    Column("received_us", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_detail", Text, nullable=True),
    Column("progress_percent", Integer, nullable=True),
    Column("next_update_seconds", BigInteger, nullable=False),
    Index("ix_task_updates_task_time", "task_id", "update_us", "id"),
)

# -- what a task is associated with (replaced or added to by the tools) ---------

resource_attributes = Table(
    "resource_attributes",
    metadata,
    Column("task_id", Id, ForeignKey("tasks.id"), nullable=False),
    Column("position", Integer, nullable=False),  # the order the tool gave them in
    Column("type", String(32), nullable=False),
    Column("value", String(256), nullable=False),
    PrimaryKeyConstraint("task_id", "position", name="pk_resource_attributes"),
)

created_artifacts = Table(
    "created_artifacts",
    metadata,
    Column("task_id", Id, ForeignKey("tasks.id"), nullable=False),
    Column("name", Name(1600), nullable=False),
    Column("description", String(500), nullable=True),
    PrimaryKeyConstraint("task_id", "name", name="pk_created_artifacts"),
)

discovered_resources = Table(
    "discovered_resources",
    metadata,
    Column("task_id", Id, ForeignKey("tasks.id"), nullable=False),
    Column("configuration_id", Name(1600), nullable=False),
    Column("description", String(500), nullable=True),
    PrimaryKeyConstraint("task_id", "configuration_id", name="pk_discovered_resources"),
    Index("ix_discovered_resources_configuration", "configuration_id", "task_id"),
)

source_resources = Table(
    "source_resources",
    metadata,
    Column("task_id", Id, ForeignKey("tasks.id"), nullable=False),
    Column("name", Name(1600), nullable=False),
    Column("description", String(500), nullable=True),
    Column("status_detail", String(2500), nullable=True),
    PrimaryKeyConstraint("task_id", "name", name="pk_source_resources"),
)

application_states = Table(
    "application_states",
    metadata,
    Column("account_id", String(12), nullable=False),
    Column("application_id", Name(1600), nullable=False),
    Column("status", String(16), nullable=False),
    Column("update_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "application_id", name="pk_application_states"),
)

# Secrets the hub keeps for itself, one per purpose ("tokens": the key that seals
# NextTokens). Made at random by the hub on first use; never exported.
hub_secrets = Table(
    "hub_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("secret", LargeBinary, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

# -- what changed: the event log ----------------------------------------------------

# One row per change the API made, written in the transaction that made it.
# ``cursor`` is the event's place in the log, given out in commit order (see
# ``Transaction.append_events``), so "everything after cursor N" never skips one.
events = Table(
    "events",
    metadata,
    Column("cursor", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", String(12), nullable=False),
    Column("type", String(64), nullable=False),
    Column("stream_name", Name(50), nullable=True),  # for the stream filter
    Column("occurred_us", BigInteger, nullable=False),
    Column("data", Text, nullable=False),  # the event's JSON object
    Index("ix_events_account", "account_id", "cursor"),
)

# The log's one row: the last cursor given out, and the last one pruned (a reader
# asking for events after an older cursor is told to resynchronise).
event_log = Table(
    "event_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("last_cursor", BigInteger, nullable=False),
    Column("pruned_through", BigInteger, nullable=False),
)

# -- webhooks ----------------------------------------------------------------------

# Where events are delivered, and how far each endpoint has got: delivery follows
# the event log itself (``position`` is the last cursor dealt with), so an event
# costs nothing per endpoint until it is delivered. ``lease_until_us``: the replica
# delivering to it holds it until then.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("url", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("types", Text, nullable=False),  # JSON list; [] for every type
    Column("streams", Text, nullable=False),  # JSON list; [] for every stream
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("secret", String(64), nullable=False),
    Column("previous_secret", String(64), nullable=True),  # still signs until previous_secret_until_us
    Column("previous_secret_until_us", BigInteger, nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),  # failed attempts at the event after position
    Column("next_attempt_us", BigInteger, nullable=False),
    Column("failing_since_us", BigInteger, nullable=True),
    Column("lease_until_us", BigInteger, nullable=False),
    Index("ix_webhook_endpoints_account", "account_id", "id"),
    Index("ix_webhook_endpoints_due", "enabled", "next_attempt_us"),
)

# One event to send again, ahead of the endpoint's position (``redeliver --event``).
webhook_replays = Table(
    "webhook_replays",
    metadata,
    Column("endpoint_id", String(40), ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("cursor", BigInteger, nullable=False),
    PrimaryKeyConstraint("endpoint_id", "cursor", name="pk_webhook_replays"),
)

# Every delivery attempt, for ``webhooks deliveries``; pruned with the event log.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("endpoint_id", String(40), ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("message_id", String(40), nullable=False),  # the webhook-id sent
    Column("cursor", BigInteger, nullable=True),  # None for a ping
    Column("type", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("status", Integer, nullable=True),  # None: no HTTP answer
    Column("latency_us", BigInteger, nullable=False),
    Column("outcome", String(16), nullable=False),  # delivered, failed, gone, refused
    Column("answer", Text, nullable=True),  # the start of the answer, or the error
    Index("ix_webhook_attempts_endpoint", "endpoint_id", "id"),
)

# The tables that hang off a task, removed with it.
TASK_CHILDREN = (task_updates, resource_attributes, created_artifacts, discovered_resources, source_resources)
