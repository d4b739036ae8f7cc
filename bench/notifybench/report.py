"""The pieces of the printed report that more than one part uses."""

from __future__ import annotations

from .wrk import Load

HEADER = f"  {'server':<18} {'conns':>5} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'peak RSS':>9}   responses"


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def load_row(name: str, load: Load, rss: int | None) -> str:
    ok = "all 200" if load.clean else f"{load.non200} non-200, {load.errors} socket errors"
    return (
        f"  {name:<18} {load.connections:>5} {load.rps:>10,.0f} {load.p50_ms:>9.2f} {load.p99_ms:>9.2f}"
        f" {mib(rss) if rss is not None else '':>9}   {ok}"
    )


# Parts 3 and 4: no memory column, and what went wrong on the row itself.
def short_header(first: str) -> str:
    return f"  {first:<16} {'conns':>5} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}  responses"


def short_row(name: str, conns: int, load: Load) -> str:
    answers = "all 200" if load.clean else f"{load.non200} non-200, {load.errors} errors: {load.first_bad}"
    return f"  {name:<16} {conns:>5} {load.rps:>10,.0f} {load.p50_ms:>9.2f} {load.p99_ms:>9.2f}  {answers}"
