"""Part 4: mighub on PostgreSQL, one replica and two over one database, beside SQLite."""

from __future__ import annotations

import os
import time
from typing import Any

from .common import Run, import_tasks
from .report import short_header, short_row
from .servers import mighub_server, stop_all
from .wrk import wrk_together


def _libpq(url: Any) -> str:
    """A SQLAlchemy URL as psycopg's connection string."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_postgres_database(admin_url: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"mighub_bench_{int(time.time())}_{os.getpid()}"
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(_libpq(make_url(admin_url)), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def postgres_replicas(run: Run) -> bool:
    """True when every response was a 200, or when no PostgreSQL was given."""
    admin = os.environ.get("MIGHUB_BENCH_DATABASE_URL") or os.environ.get("MIGHUB_TEST_DATABASE_URL")
    print("\n4. PostgreSQL: one replica and two over one database, beside SQLite")
    if not admin:
        print("  skipped: set MIGHUB_BENCH_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
        return True
    url = fresh_postgres_database(admin)
    sqlite_hub = mighub_server(run.work / "data-sqlite4", run.logs, "sqlite4")
    replicas = [mighub_server(run.work / f"data-pg{i}", run.logs, f"pg{i}", "--database", url) for i in range(2)]
    servers = [sqlite_hub, *replicas]
    ok = True
    try:
        for server in servers:
            server.start()
        for port in (sqlite_hub.port, replicas[0].port):  # the second replica shares the first's database
            import_tasks(port, run.tasks)
        setups = {
            "SQLite": [sqlite_hub.url],
            "PostgreSQL x1": [replicas[0].url],
            "PostgreSQL x2": [r.url for r in replicas],
        }
        for urls in setups.values():
            wrk_together(urls, 16, 2, run.threads, run.tasks)  # warm-up
        print(short_header("store"))
        figures: dict[str, Any] = {}
        for c in run.conns:
            for name, urls in setups.items():
                load = wrk_together(urls, c, run.duration, run.threads, run.tasks)
                ok &= load.clean
                print(short_row(name, c, load))
                figures[f"{name}/{c}"] = vars(load)
        run.results["postgres"] = figures
    finally:
        stop_all(servers)
        drop_postgres_database(admin, url)
    return ok
