"""``--output text``: tab-separated rows, laid out as the aws CLI lays them out.

One recursive pass turns the response into rows:

- an object gives one row of its scalar members (keys sorted), then each of its list and
  object members in key order, labelled with the member's name in upper case;
- the objects of one list share their columns (every scalar key any of them has, sorted),
  so a missing member is an empty cell, and each row starts with the list's label;
- a list of scalars is one row when unlabelled, one row per value under a label;
- in a list, scalars come first, then its lists and objects in order; empty lists and
  objects without scalars print no row of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["format_text", "text_rows"]


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def text_rows(value: Any, label: str | None = None, columns: list[str] | None = None) -> Iterator[list[str]]:
    """The rows of ``value``; ``label`` heads each row, ``columns`` are shared by siblings."""
    prefix = [label.upper()] if label is not None else []
    if isinstance(value, dict):
        if columns is None:
            columns = sorted(k for k, v in value.items() if _is_scalar(v))
        if columns:
            yield prefix + [str(value.get(k, "")) for k in columns]
        shown = set(columns)
        for key in sorted(k for k in value if k not in shown):
            yield from text_rows(value[key], key)
    elif isinstance(value, list):
        scalars = [str(v) for v in value if _is_scalar(v)]
        if scalars:
            if label is None:
                yield scalars
            else:
                yield from ([*prefix, s] for s in scalars)
        shared = sorted({k for v in value if isinstance(v, dict) for k, x in v.items() if _is_scalar(x)})
        for item in value:
            if isinstance(item, dict):
                yield from text_rows(item, label, shared)
            elif isinstance(item, list):
                yield from text_rows(item, label)
    else:
        yield [str(value)]


def format_text(data: Any, stream: TextIO) -> None:
    for row in text_rows(data):
        stream.write("\t".join(row) + "\n")
