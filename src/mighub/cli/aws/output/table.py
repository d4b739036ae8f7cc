"""``--output table``: the aws CLI's boxed tables, built from any response without a model.

A dict's scalar keys become one row (or a two-column key/value row when there is one);
a list of dicts becomes a header and rows; nested values open indented sub-sections.
Too wide for the terminal, single-row sections turn vertical, as in the aws CLI.
"""

from __future__ import annotations

import shutil
import unicodedata
from typing import Any, TextIO

__all__ = ["render_table"]


def _width(text: Any) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in str(text))


class _Styler:
    def row(self, text: str) -> str:
        return text

    def indent(self, text: str) -> str:
        return text


class _ColorStyler(_Styler):
    def row(self, text: str) -> str:
        return "\x1b[1m\x1b[34m" + text + "\x1b[0m"

    def indent(self, text: str) -> str:
        return "\x1b[2m\x1b[33m" + text + "\x1b[0m"


class _Section:
    def __init__(self, title: str = "", indent: int = 0) -> None:
        self.title = title
        self.indent = indent
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.max_widths: list[int] = []

    def _update(self, row: list[str]) -> None:
        if not self.max_widths:
            self.max_widths = [_width(el) for el in row]
        else:
            for i, el in enumerate(row):
                self.max_widths[i] = max(_width(el), self.max_widths[i])

    def add_header(self, headers: list[str]) -> None:
        self._update(headers)
        self.headers = headers

    def add_row(self, row: list[Any]) -> None:
        cells = [str(r) for r in row]
        self.rows.append(cells)
        self._update(cells)

    def column_widths(self, padding: int = 0, max_width: int | None = None) -> list[int]:
        widths = [w + padding for w in self.max_widths]
        if max_width is None or not widths:
            return widths
        scale = max_width / float(sum(widths))
        scaled = [int(round(scale * w)) for w in widths]
        off_by = sum(scaled) - max_width
        while off_by != 0:
            order = range(len(scaled)) if off_by > 0 else reversed(range(len(scaled)))
            for i in order:
                if off_by > 0:
                    scaled[i] -= 1
                    off_by -= 1
                else:
                    scaled[i] += 1
                    off_by += 1
                if off_by == 0:
                    break
        return scaled

    def total_width(self, padding: int = 0, outer: int = 0) -> int:
        total = sum(w + padding for w in self.column_widths()) + 2 + 2 * outer
        return max(_width(self.title) + 2 + 2 * outer, total)


def _center(text: str, length: int, text_length: int, left: str = "|", right: str = "|") -> str:
    start = (length // 2) - (text_length // 2) - 1
    so_far = len(left) + start + text_length
    return left + " " * start + text + " " * (length - len(right) - so_far) + right


def _align_left(text: str, length: int, text_length: int, left: str, right: str) -> str:
    padding = 2 if length - (text_length + 2 + len(left) + len(right)) >= 0 else 0
    so_far = len(left) + padding + text_length
    return left + " " * padding + text + " " * (length - so_far - len(right)) + right


class _Table:
    def __init__(self, styler: _Styler, terminal_width: int) -> None:
        self.sections: list[_Section] = []
        self.styler = styler
        self.terminal_width = terminal_width

    @property
    def current(self) -> _Section:
        return self.sections[-1]

    def new_section(self, title: str, indent: int = 0) -> None:
        self.sections.append(_Section(title, indent))

    def _max_width(self) -> int:
        return max(s.total_width(padding=4, outer=s.indent) for s in self.sections)

    def render(self, stream: TextIO) -> None:
        width = self._max_width()
        if width > self.terminal_width:
            self._go_vertical()
            width = self._max_width()
        stream.write("-" * width + "\n")
        for section in self.sections:
            self._render_section(section, width, stream)

    def _go_vertical(self) -> None:
        for i, section in enumerate(self.sections):
            if len(section.rows) == 1 and section.headers:
                vertical = _Section(section.title, section.indent)
                for header, element in zip(section.headers, section.rows[0]):
                    vertical.add_row([header, element])
                self.sections[i] = vertical

    def _render_section(self, section: _Section, width: int, stream: TextIO) -> None:
        edge = self.styler.indent("|")
        lines: list[str] = []
        width -= section.indent * 2
        if section.title:
            lines.append(_center(section.title, width, _width(section.title)))
            if not section.headers and not section.rows:
                lines.append("+" + "-" * (width - 2) + "+")
        if section.headers:
            widths = section.column_widths(padding=4, max_width=width)
            lines.append(self._line_break(widths))
            lines.append(
                "".join(
                    _center(h, w, _width(h), "|" if i == 0 else "", "|")
                    for i, (w, h) in enumerate(zip(widths, section.headers))
                )
            )
        if section.rows:
            widths = section.column_widths(padding=4, max_width=width)
            if widths:
                lines.append(self._line_break(widths))
                for row in section.rows:
                    lines.append(
                        "".join(
                            _align_left(self.styler.row(el), w, _width(el), "|" if i == 0 else "", "|")
                            for i, (w, el) in enumerate(zip(widths, row))
                        )
                    )
                lines.append(self._line_break(widths))
        for line in lines:
            stream.write(edge * section.indent + line + edge * section.indent + "\n")

    @staticmethod
    def _line_break(widths: list[int]) -> str:
        parts = []
        for i, w in enumerate(widths):
            parts.append("+" + "-" * (w - 2) + "+" if i == 0 else "-" * (w - 1) + "+")
        return "".join(parts)


def _scalar(value: Any) -> bool:
    return not isinstance(value, (list, dict))


def _group(current: dict[str, Any]) -> tuple[list[str], list[str]]:
    headers = sorted(k for k, v in current.items() if _scalar(v))
    more = sorted(k for k, v in current.items() if not _scalar(v))
    return headers, more


def _build(table: _Table, title: str | None, current: Any, indent: int = 0) -> bool:
    if not current:
        return False
    if title is not None:
        table.new_section(title, indent)
    if isinstance(current, list):
        if isinstance(current[0], dict):
            _from_list(table, current, indent, title)
        else:
            for item in current:
                if _scalar(item):
                    table.current.add_row([item])
                elif all(_scalar(el) for el in item):
                    table.current.add_row(list(item))
                else:
                    _build(table, None, item)
    if isinstance(current, dict):
        headers, more = _group(current)
        if len(headers) == 1:
            table.current.add_row([headers[0], current[headers[0]]])
        elif headers:
            table.current.add_header(headers)
            table.current.add_row([current[k] for k in headers])
        for key in more:
            _build(table, key, current[key], indent + 1)
    return True


def _from_list(table: _Table, items: list[Any], indent: int, title: str | None) -> None:
    headers: set[str] = set()
    more: set[str] = set()
    for item in items:
        h, m = _group(item)
        headers.update(h)
        more.update(m)
    header_list, more_list = sorted(headers), sorted(more)
    table.current.add_header(header_list)
    for n, element in enumerate(items):
        if n and more_list:
            table.new_section(title or "", indent)
            table.current.add_header(header_list)
        table.current.add_row([element.get(h, "") for h in header_list])
        for key in more_list:
            if key in element:
                _build(table, key, element[key], indent + 1)


def render_table(title: str, response: Any, stream: TextIO, color: bool) -> None:
    width = shutil.get_terminal_size((80, 24)).columns if stream.isatty() else 80
    table = _Table(_ColorStyler() if color else _Styler(), width)
    if _build(table, title, response):
        table.render(stream)
