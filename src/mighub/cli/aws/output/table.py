"""``--output table``: boxed sections, byte for byte as the aws CLI draws them.

Two passes. :class:`_Layout` walks the response once and cuts it into sections (a
heading, optional column headers, rows, a nesting depth); :func:`_draw` then lays every
section out at one common width and writes the lines.

What goes in a section:

- an object: its scalar members, one ``key | value`` row when it has a single one,
  otherwise headers (keys sorted) over one row; then a nested section per non-empty list
  or object member, in key order, one level deeper;
- a list of objects: headers are every scalar key any of them has; one section with a
  row per object, or, when the objects hold lists or objects themselves, one section per
  object (each repeating the headers), followed by its nested sections;
- any other list: a row per element (a list element spreads over the columns).

Layout: the table is as wide as its widest need (a column needs its widest cell plus
four, a heading its length plus two, two more per nesting level); when that exceeds the
terminal, single-row sections turn into ``key | value`` rows first. A cell is measured
as it is printed, so a ``None`` member counts as the four columns of ``None`` and an
absent one as nothing. Text width counts East Asian wide, full-width and ambiguous
characters as two columns, as the aws CLI does.

Columns then share their section's width (the table's, less two per nesting level; a
share holds the column's cell and the bar on its right, the first one the left bar too)
in proportion to their needs, the way the aws CLI rounds: one float scale ``width /
sum(needs)``, each share ``round(need * scale)`` (half to even, on that float product,
so an exact half can come out just above or at .5 and go up or down), then any excess
taken back one column at a time from the first and any shortfall made up one at a time
from the last. A column may so end up narrower than its need; a value that no longer
fits with its two-space lead is drawn without it (``|None |``).
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["render_table"]


@dataclass
class _Section:
    title: str | None
    depth: int
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    # An object's section draws a rule under its heading even when it has nothing else.
    ruled: bool = False

    def columns(self) -> int:
        return max([len(self.headers), *(len(r) for r in self.rows)], default=0)

    def needs(self) -> list[int]:
        """Each column's widest text plus four."""
        lines = [self.headers, *self.rows] if self.headers else self.rows
        return [max(_width(line[i]) if i < len(line) else 0 for line in lines) + 4 for i in range(self.columns())]

    def width(self) -> int:
        borders = 2 + 2 * self.depth
        title = _width(self.title) + borders if self.title else 0
        needs = self.needs()
        return max(title, sum(needs) + borders if needs else 0)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _cells(values: list[Any]) -> list[str]:
    return [str(v) for v in values]


class _Layout:
    """The first pass: the response cut into sections, in the order they are drawn."""

    def __init__(self) -> None:
        self.sections: list[_Section] = []

    def new(self, title: str | None, depth: int, ruled: bool = False) -> _Section:
        self.sections.append(_Section(title, depth, ruled=ruled))
        return self.sections[-1]

    def value(self, title: str | None, value: Any, depth: int) -> None:
        if isinstance(value, dict):
            self.object(title, value, depth)
        elif isinstance(value, list):
            if value and all(isinstance(item, dict) for item in value):
                self.objects(self.new(title, depth), value, depth)
            else:
                self.new(title, depth)
                self.rows(value, depth)
        else:
            self.new(title, depth, ruled=True)

    def nested(self, value: dict[str, Any], keys: list[str], depth: int) -> None:
        for key in keys:
            if value.get(key):
                self.value(key, value[key], depth + 1)

    def object(self, title: str | None, value: dict[str, Any], depth: int) -> None:
        scalars = sorted(k for k, v in value.items() if _is_scalar(v))
        section = self.new(title, depth, ruled=True)
        if len(scalars) == 1:
            section.rows.append(_cells([scalars[0], value[scalars[0]]]))
        elif scalars:
            section.headers = scalars
            section.rows.append(_cells([value[k] for k in scalars]))
        self.nested(value, _containers([value]), depth)

    def objects(self, section: _Section, items: list[dict[str, Any]], depth: int, repeat_title: bool = True) -> None:
        """A list of objects into ``section``: a row each, or, when they hold lists or
        objects too, a section each (the first is ``section``) followed by what they hold;
        inside a list of rows the later sections go untitled."""
        headers = sorted({k for item in items for k, v in item.items() if _is_scalar(v)})
        nested = _containers(items)
        section.headers = headers
        if not nested:
            section.rows.extend(_cells([item.get(k, "") for k in headers]) for item in items)
            return
        for index, item in enumerate(items):
            if index:
                section = self.new(section.title if repeat_title else None, section.depth)
                section.headers = headers
            section.rows.append(_cells([item.get(k, "") for k in headers]))
            self.nested(item, nested, depth)

    def rows(self, items: list[Any], depth: int) -> None:
        """Elements of a list that is not a list of objects, as rows of the current
        section: a list of scalars is one row, a list of objects goes in as above."""
        for item in items:
            current = self.sections[-1]
            if isinstance(item, list) and all(_is_scalar(v) for v in item):
                current.rows.append(_cells(item))
            elif isinstance(item, list) and all(isinstance(v, dict) for v in item):
                self.objects(current, item, depth, repeat_title=False)
            elif isinstance(item, list):
                self.rows(item, depth)
            elif isinstance(item, dict):
                current.rows.append(_cells(list(item)))
            else:
                current.rows.append(_cells([item]))


def _containers(items: list[dict[str, Any]]) -> list[str]:
    return sorted({k for item in items for k, v in item.items() if not _is_scalar(v)})


def _share(needs: list[int], total: int) -> list[int]:
    """Split ``total`` in proportion to ``needs`` (see the module docstring).

    The float scale matters: 14 * (58 / 56) is just above 14.5 and rounds up, while
    16 * (66 / 64) is exactly 16.5 and rounds (to even) down; an exact fraction would
    round both the same way and differ from the aws CLI."""
    scale = total / sum(needs)
    widths = [round(n * scale) for n in needs]
    i = 0
    while sum(widths) > total:
        widths[i % len(widths)] -= 1
        i += 1
    i = len(widths) - 1
    while sum(widths) < total:
        widths[i % len(widths)] += 1
        i -= 1
    return widths


class _Pen:
    """Writes one section's lines, ``width`` wide inside its nesting bars."""

    def __init__(self, out: TextIO, section: _Section, width: int, color: bool) -> None:
        self.out = out
        self.section = section
        self.width = width
        self.value_style: Callable[[str], str] = (lambda s: f"\x1b[1m\x1b[34m{s}\x1b[0m") if color else str
        bar = "\x1b[2m\x1b[33m|\x1b[0m" if color else "|"
        self.bars = bar * section.depth
        needs = section.needs()
        # A column's share includes the bar on its right; the first one the left bar too.
        shares = _share(needs, width) if needs else [width]
        self.cells = [shares[0] - 2, *(s - 1 for s in shares[1:])]
        self.shares = shares

    def line(self, text: str) -> None:
        self.out.write(f"{self.bars}{text}{self.bars}\n")

    def rule(self) -> None:
        self.line("+" + "".join("-" * c + "+" for c in self.cells))

    def heading(self, text: str) -> None:
        self.line(self._centred(text, self.width, self.width - 2) + "|")

    def headers(self) -> None:
        self.line(
            "".join(
                self._centred(h, s, c) for h, s, c in zip(self.section.headers, self.shares, self.cells, strict=False)
            )
            + "|"
        )

    def row(self, cells: list[str]) -> None:
        padded = cells + [""] * (len(self.cells) - len(cells))
        self.line(
            "|" + "|".join(self._left(text, width) for text, width in zip(padded, self.cells, strict=False)) + "|"
        )

    @staticmethod
    def _centred(text: str, share: int, cell: int) -> str:
        # The text starts at half the share, less half its own width, after the left bar.
        before = max(share // 2 - _width(text) // 2 - 1, 0)
        return "|" + " " * before + text + " " * max(cell - before - _width(text), 0)

    def _left(self, text: str, cell: int) -> str:
        lead = "  " if _width(text) + 2 <= cell else ""
        return lead + self.value_style(text) + " " * max(cell - len(lead) - _width(text), 0)


def _vertical(section: _Section) -> _Section:
    if section.headers and len(section.rows) == 1:
        pairs = [[h, v] for h, v in zip(section.headers, section.rows[0], strict=False)]
        return _Section(section.title, section.depth, [], pairs, section.ruled)
    return section


def _draw(sections: list[_Section], out: TextIO, color: bool, terminal: int) -> None:
    width = max(s.width() for s in sections)
    if width > terminal:
        sections = [_vertical(s) for s in sections]
        width = max(s.width() for s in sections)
    for index, section in enumerate(sections):
        pen = _Pen(out, section, width - 2 * section.depth, color)
        if index == 0:
            out.write("-" * width + "\n")
        if section.title:
            pen.heading(section.title)
        has_cells = bool(section.headers) or any(section.rows)
        if has_cells or section.ruled:
            pen.rule()
        if section.headers:
            pen.headers()
            pen.rule()
        if any(section.rows):
            for cells in section.rows:
                pen.row(cells)
            pen.rule()


def render_table(title: str, response: Any, stream: TextIO, color: bool) -> None:
    if not response:
        return
    terminal = shutil.get_terminal_size((80, 24)).columns if stream.isatty() else 80
    layout = _Layout()
    layout.value(title, response, 0)
    _draw(layout.sections, stream, color, terminal)
