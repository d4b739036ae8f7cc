"""The whole moves: a hub from one database straight into another."""

from __future__ import annotations

from collections.abc import Callable

from ..dialect import normalize_url
from .databases import reading, writing
from .export import count_records, export_records
from .importing import ImportResult, import_records
from .records import PortableError, Progress


def copy(
    source: str,
    target: str,
    *,
    merge: bool = False,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportResult:
    """Export ``source`` straight into ``target``, in this process, with no file between."""
    if normalize_url(source) == normalize_url(target):
        raise PortableError("--from and --to name the same database")
    with reading(source) as src:
        if on_total is not None:
            on_total(count_records(src))
        numbered = ((n, r) for n, r in enumerate(export_records(src), start=2))  # as the file's lines
        with writing(target) as dst:
            return import_records(dst, numbered, merge=merge, progress=progress)
