"""The people commands print callers' names safely, in every output mode."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from mighub.cli.people.printable import printable
from mighub.cli.people.render import plain_streams, plain_tasks, stream_rows, stream_table, task_table

HOSTILE = "web\nforged\tIN_PROGRESS\t100\x1b[2J\x1b]0;pwned\x07[bold red]x[/]\u202eevil"


def _row(stream: str, task: str, detail: str) -> dict[str, object]:
    return {
        "ProgressUpdateStream": stream,
        "MigrationTaskName": task,
        "Status": "IN_PROGRESS",
        "StatusDetail": detail,
        "ProgressPercent": 10,
        "UpdateDateTime": 1.0e9,
        "NextUpdateSeconds": 60,
        "StaleAt": None,
        "Stale": False,
    }


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("vm-1", "vm-1"),
        ("Düsseldorf 東京", "Düsseldorf 東京"),
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("\x1b[31m", "\\x1b[31m"),
        ("\x9b2J", "\\x9b2J"),  # the one-byte CSI
        ("abc\u202edef", "abc\\u202edef"),  # right-to-left override
        ("x\u2028y", "x\\u2028y"),
        (None, ""),
    ],
)
def test_printable_escapes_what_would_not_print_as_itself(text: str | None, shown: str) -> None:
    assert printable(text) == shown


def test_piped_rows_cannot_be_forged() -> None:
    out = plain_tasks([_row(HOSTILE, HOSTILE, HOSTILE)])
    lines = out.split("\n")
    assert len(lines) == 2
    assert len(lines[1].split("\t")) == len(lines[0].split("\t"))
    assert "\x1b" not in out and "\u202e" not in out
    streams = plain_streams(stream_rows([HOSTILE], []))
    assert len(streams.split("\n")) == 2 and "\x1b" not in streams


def _render(renderable: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, width=200, color_system="truecolor").print(renderable)
    return buffer.getvalue()


def test_tables_show_names_as_text_not_markup_or_escapes() -> None:
    shown = _render(task_table([_row(HOSTILE, HOSTILE, HOSTILE)], 200))
    assert "\x1b[2J" not in shown and "\x1b]0;" not in shown and "\u202e" not in shown
    assert "[bold red]x[/]" in shown  # printed as written, not taken as rich markup
    assert "\\x1b[2J" in shown
    shown = _render(stream_table(stream_rows([HOSTILE], [])))
    assert "\x1b[2J" not in shown and "[bold red]x[/]" in shown


def test_json_output_keeps_the_exact_names() -> None:
    encoded = json.dumps({"Tasks": [_row(HOSTILE, HOSTILE, HOSTILE)]}, indent=4)
    assert "\x1b" not in encoded and "\n" not in encoded.replace("\n    ", "").replace("\n}", "")
    assert json.loads(encoded)["Tasks"][0]["MigrationTaskName"] == HOSTILE
