"""Part 1: mighub beside the floor and moto, each loaded in turn by wrk."""

from __future__ import annotations

import time

from .common import STREAM, TABLE, Run, import_tasks
from .report import HEADER, load_row, mib, verdict
from .servers import create_moto_table, floor_server, mighub_server, moto_server, stop_all
from .wrk import Load, warm, wrk


def side_by_side(run: Run) -> bool:
    """The three servers at once; True when every mighub response was a 200."""
    floor, moto = floor_server(run.logs), moto_server(run.logs)
    mh = mighub_server(run.work / "data-ref", run.logs, "ref")
    servers = [floor, moto, mh]
    try:
        for s in servers:
            s.start()
        create_moto_table(moto)
        began = time.perf_counter()
        import_tasks(mh.port, run.tasks)
        print(
            f"\n1. NotifyMigrationTaskState beside the floor and moto ({run.tasks} tasks imported over HTTP "
            f"in {time.perf_counter() - began:.1f} s)"
        )
        tasks = str(run.tasks)
        plan = [
            (floor, "notify.lua", [tasks, STREAM]),  # the floor gets exactly mighub's requests
            (moto, "putitem.lua", [tasks, TABLE]),
            (mh, "notify.lua", [tasks, STREAM]),
        ]
        for server, script, args in plan:
            warm(server.url, script, args, run.threads)
        loads: dict[str, dict[int, Load]] = {s.name: {} for s in servers}
        print(HEADER)
        # Interleaved by connection count, so that the three figures at one
        # count are taken within seconds of each other.
        for c in run.conns:
            for server, script, args in plan:
                load = wrk(server.url, script, args, c, run.duration, run.threads)
                loads[server.name][c] = load
                print(load_row(server.name if server is not mh else "mighub", load, server.rss_kib()), flush=True)
        rss = {s.name: s.rss_kib() for s in servers}
    finally:
        stop_all(servers)
    print(
        f"  peak RSS over the whole run: floor {mib(rss['floor'])}, moto {mib(rss['moto'])}, mighub {mib(rss[mh.name])}"
    )
    bad = sum(load.non200 + load.errors for load in loads[mh.name].values())
    print(
        f"  mighub responses: {'every one was 200' if bad == 0 else f'{bad} were NOT 200 or failed'}"
        f" ({sum(load.requests for load in loads[mh.name].values()):,} notifies)"
    )
    print("\n  ratios           conns   mighub/floor   mighub/moto   target")
    for c in run.conns:
        m, f, mo = (loads[n][c] for n in (mh.name, floor.name, moto.name))
        r_floor, r_moto = m.rps / f.rps, m.rps / mo.rps
        print(
            f"  {'req/s':<16} {c:>5} {r_floor:>14.2f} {r_moto:>13.1f}   "
            f"≥0.5 floor: {verdict(r_floor >= 0.5)}, ≥25 moto: {verdict(r_moto >= 25)}"
        )
    c16 = loads[mh.name].get(16)
    if c16:
        print(f"  mighub p99 at 16 connections: {c16.p99_ms:.2f} ms   target ≤5 ms: {verdict(c16.p99_ms <= 5)}")
    run.results["reference"] = {
        name: {str(c): vars(load) for c, load in by_conns.items()} for name, by_conns in loads.items()
    }
    run.results["reference_peak_rss_kib"] = rss
    return bad == 0
