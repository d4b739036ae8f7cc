"""The file's record types (one ``Kind`` per table, its fields in file order), and
reading a file back: its header, then each line checked as a record."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from ..migrate import head_revision
from ..schema import (
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
            (
                *_OWNER,
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
            (*_OWNER, _f("position", int), _f("attribute_type", column="type"), _f("value")),  # "type" names the record
            ("resource attribute", "resource attributes"),
            order=("position",),
        ),
        Kind(
            "created_artifact",
            created_artifacts,
            (*_OWNER, _f("name"), _f("description", str, True)),
            ("created artifact", "created artifacts"),
            order=("name",),
        ),
        Kind(
            "discovered_resource",
            discovered_resources,
            (*_OWNER, _f("configuration_id"), _f("description", str, True)),
            ("discovered resource", "discovered resources"),
            order=("configuration_id",),
        ),
        Kind(
            "source_resource",
            source_resources,
            (*_OWNER, _f("name"), _f("description", str, True), _f("status_detail", str, True)),
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


# -- reading a file ----------------------------------------------------------------


def header() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "schema": head_revision()}


def check_header(line_no: int, value: Any) -> None:
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise PortableError(f'line {line_no}: not a mighub export (expected a header line with "format": "{FORMAT}")')
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
        raise PortableError(
            f"line {line_no}: unknown record type {value.get('type')!r} (expected one of {', '.join(KINDS)})"
        )
    for f in kind.fields:
        if f.name not in value:
            raise PortableError(f"line {line_no}: {kind.type} has no {f.name!r}")
        v = value[f.name]
        if v is None and f.nullable:
            continue
        if not isinstance(v, f.kind) or isinstance(v, bool):
            want = "an integer" if f.kind is int else "a string"
            raise PortableError(
                f"line {line_no}: {kind.type}'s {f.name!r} must be {want}{' or null' if f.nullable else ''}, not {json.dumps(v)}"
            )
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
