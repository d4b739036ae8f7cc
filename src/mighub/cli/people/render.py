"""What the people commands show: task tables, stream tables, a summary line.

Rich renders them with colour and progress bars on a terminal; piped, the
same rows come out as plain tab-separated text for scripts.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from ...models import task_statuses
from .printable import printable

STATUS_STYLE = {
    "COMPLETED": "green",
    "IN_PROGRESS": "cyan",
    "NOT_STARTED": "dim",
    "FAILED": "bold red",
    None: "dim",
}
SORT_KEYS = ("stream", "task", "status", "progress", "updated")
# The summary line's order (finished work first); the statuses themselves come
# from the model, so one it adds is still counted, last.
_SUMMARY_RANK = {"COMPLETED": 0, "IN_PROGRESS": 1, "NOT_STARTED": 2, "FAILED": 3}


def sort_tasks(rows: list[dict[str, Any]], key: str, reverse: bool = False) -> list[dict[str, Any]]:
    keys = {
        "stream": lambda r: (r["ProgressUpdateStream"], r["MigrationTaskName"]),
        "task": lambda r: (r["MigrationTaskName"], r["ProgressUpdateStream"]),
        "status": lambda r: (r["Status"] or "", r["ProgressUpdateStream"], r["MigrationTaskName"]),
        "progress": lambda r: (_percent(r), r["ProgressUpdateStream"], r["MigrationTaskName"]),
        "updated": lambda r: (r["UpdateDateTime"] or 0, r["ProgressUpdateStream"], r["MigrationTaskName"]),
    }
    return sorted(rows, key=keys[key], reverse=reverse)


def _percent(row: dict[str, Any]) -> int:
    if row["Status"] == "COMPLETED":
        return 100
    return int(row["ProgressPercent"] or 0)


def ago(epoch: float | None, now: float | None = None) -> str:
    if epoch is None:
        return "never"
    seconds = int((now or time.time()) - epoch)
    if seconds < 0:
        return "in the future"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def summary(rows: list[dict[str, Any]]) -> str:
    counts = Counter(row["Status"] or "NOT_NOTIFIED" for row in rows)
    overall = sum(_percent(r) for r in rows) / len(rows) if rows else 0.0
    stale = sum(1 for r in rows if r["Stale"])
    parts = [f"{len(rows)} tasks"]
    order = [*sorted(task_statuses(), key=lambda s: _SUMMARY_RANK.get(s, len(_SUMMARY_RANK))), "NOT_NOTIFIED"]
    parts += [f"{counts[s]} {s.lower().replace('_', ' ')}" for s in order if counts[s]]
    parts.append(f"{overall:.0f}% complete")
    parts.append(f"{stale} stale")
    return " · ".join(parts)


def task_table(rows: list[dict[str, Any]], width: int = 120) -> Table:
    """The tasks as a table; below 100 columns the detail is left out."""
    detail = width >= 100
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    # On a narrow terminal the detail gives way first; names and status stay whole.
    table.add_column("Stream", style="bold", no_wrap=True)
    table.add_column("Task", no_wrap=True)
    table.add_column("Status", no_wrap=True, min_width=11)
    table.add_column("Progress", no_wrap=True, min_width=15)
    if detail:
        table.add_column("Detail", no_wrap=True, overflow="ellipsis", max_width=40)
    table.add_column("Updated", justify="right", no_wrap=True)
    table.add_column("Stale", no_wrap=True)
    now = time.time()
    for row in rows:
        status = row["Status"]
        percent = _percent(row)
        bar = Table.grid(padding=(0, 1))
        bar.add_row(
            ProgressBar(
                total=100, completed=percent, width=10, complete_style=STATUS_STYLE[status] if status else "dim"
            ),
            Text(f"{percent:>3}%"),
        )
        # Names and details are the callers' text: plain Text (never markup), escaped.
        cells: list[Any] = [
            Text(printable(row["ProgressUpdateStream"])),
            Text(printable(row["MigrationTaskName"])),
            Text(status or "-", style=STATUS_STYLE.get(status, "")),
            bar,
        ]
        if detail:
            cells.append(Text(printable(row["StatusDetail"])))
        cells += [ago(row["UpdateDateTime"], now), Text("STALE", style="bold red") if row["Stale"] else Text("")]
        table.add_row(*cells)
    return table


def watch_view(rows: list[dict[str, Any]], endpoint: str, interval: float, width: int) -> RenderableType:
    stamp = datetime.now(UTC).strftime("%H:%M:%S UTC")
    header = Text(f"{endpoint} · refreshed {stamp} every {interval:g}s · Ctrl-C to stop", style="dim")
    return Group(header, Text(summary(rows), style="bold"), task_table(rows, width))


def plain_tasks(rows: list[dict[str, Any]]) -> str:
    lines = ["STREAM\tTASK\tSTATUS\tPERCENT\tDETAIL\tUPDATED\tSTALE"]
    for row in rows:
        updated = datetime.fromtimestamp(row["UpdateDateTime"], UTC).isoformat() if row["UpdateDateTime"] else ""
        lines.append(
            "\t".join(
                [
                    printable(row["ProgressUpdateStream"]),
                    printable(row["MigrationTaskName"]),
                    row["Status"] or "",
                    str(_percent(row)),
                    printable(row["StatusDetail"]),
                    updated,
                    "STALE" if row["Stale"] else "",
                ]
            )
        )
    return "\n".join(lines)


def stream_rows(names: list[str], tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_stream: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for row in tasks:
        by_stream.setdefault(row["ProgressUpdateStream"], []).append(row)
    out = []
    for name in sorted(by_stream):
        mine = by_stream[name]
        counts = Counter(r["Status"] for r in mine)
        out.append(
            {
                "Stream": name,
                "Tasks": len(mine),
                "Completed": counts["COMPLETED"],
                "InProgress": counts["IN_PROGRESS"],
                "Failed": counts["FAILED"],
                "Stale": sum(1 for r in mine if r["Stale"]),
                "Percent": round(sum(_percent(r) for r in mine) / len(mine)) if mine else 0,
            }
        )
    return out


def stream_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("Stream", "Tasks", "Completed", "In progress", "Failed", "Stale", "Complete"):
        table.add_column(column, justify="left" if column == "Stream" else "right")
    for row in rows:
        table.add_row(
            Text(printable(row["Stream"]), style="bold"),
            str(row["Tasks"]),
            Text(str(row["Completed"]), style="green"),
            Text(str(row["InProgress"]), style="cyan"),
            Text(str(row["Failed"]), style="red" if row["Failed"] else ""),
            Text(str(row["Stale"]), style="bold red" if row["Stale"] else ""),
            f"{row['Percent']}%",
        )
    return table


def plain_streams(rows: list[dict[str, Any]]) -> str:
    lines = ["STREAM\tTASKS\tCOMPLETED\tIN_PROGRESS\tFAILED\tSTALE\tPERCENT"]
    for r in rows:
        lines.append(
            "\t".join(
                [printable(r["Stream"])]
                + [str(r[k]) for k in ("Tasks", "Completed", "InProgress", "Failed", "Stale", "Percent")]
            )
        )
    return "\n".join(lines)
