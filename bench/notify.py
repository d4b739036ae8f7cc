"""The NotifyMigrationTaskState benchmark: mighub beside the floor and moto.

One command, on loopback, in one run (see BENCHMARKS.md):

    python bench/notify.py            # default: ~5 minutes
    python bench/notify.py --quick    # short durations, 10k only: a smoke run
    python bench/notify.py --sizes 10k,100k,1M

1. Starts three servers side by side and loads each in turn with wrk, at 16 and
   64 connections: the floor (bench/floor.py: bare ASGI app, same stack),
   moto's server (DynamoDB PutItem of a comparable item) and ``mighub serve``
   (fresh data dir, default settings, one stream, ``--tasks`` imported tasks).
   Prints req/s, p50, p99 and peak RSS of each server, then mighub's ratios.
2. For each of ``--sizes``: a fresh store bulk-loaded with that many tasks
   (direct SQL with the server stopped), the server's start time,
   ListMigrationTasks first-page and deep-page latency, notify figures and RSS.
3. Auth: skipped until access control exists.

Needs: wrk on PATH, and the ``bench`` extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
AUTH_MGH = (
    "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/mgh/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)
AUTH_DDB = AUTH_MGH.replace("/mgh/", "/dynamodb/")
STREAM = "bench"
TABLE = "bench"
DB_FILE = "mighub.sqlite3"  # mighub serve's file name in its data dir


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def show_size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- servers -------------------------------------------------------------------


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    ready_path: str = "/"
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    start_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> None:
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL
        began = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT)
        while time.perf_counter() - began < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", self.ready_path)
                conn.getresponse().read()
                conn.close()
                self.start_seconds = time.perf_counter() - began
                return
            except OSError:
                time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_kib(self, key: str = "VmHWM") -> int:
        """Peak (VmHWM) or current (VmRSS) resident memory, KiB, from /proc."""
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def post(port: int, target: str, body: dict[str, Any], *, ddb: bool = False, conn: Any = None) -> tuple[int, Any]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Content-Type": "application/x-amz-json-1.0" if ddb else "application/x-amz-json-1.1",
        "X-Amz-Target": target,
        "Authorization": AUTH_DDB if ddb else AUTH_MGH,
    }
    conn.request("POST", "/", json.dumps(body).encode(), headers)
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, json.loads(data) if data else None


def mgh(port: int, op: str, body: dict[str, Any], conn: Any = None) -> Any:
    status, data = post(port, f"AWSMigrationHub.{op}", body, conn=conn)
    if status != 200:
        raise RuntimeError(f"{op} answered {status}: {data}")
    return data


def task_name(i: int) -> str:
    return f"task-{i:07d}"  # the names notify.lua sends


def import_tasks(port: int, count: int, workers: int = 8) -> None:
    """ImportMigrationTask over HTTP, from a few concurrent clients."""

    def run(first: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(first, count, workers):
            mgh(port, "ImportMigrationTask", {"ProgressUpdateStream": STREAM, "MigrationTaskName": task_name(i)}, conn)
        conn.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def mighub_server(data_dir: Path, logs: Path, tag: str) -> Server:
    port = free_port()
    return Server(
        f"mighub-{tag}",
        [str(BIN / "mighub"), "serve", "--port", str(port), "--data-dir", str(data_dir)],
        port,
        ready_path="/_mighub/health",
        log=logs / f"mighub-{tag}.log",
    )


# -- wrk -----------------------------------------------------------------------


@dataclass
class Load:
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non200: int
    errors: int
    first_bad: str
    extra: dict[str, Any] = field(default_factory=dict)


def wrk(url: str, script: str, args: list[str], connections: int, seconds: float, threads: int) -> Load:
    argv = [
        "wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
        "-s", str(BENCH / script), url, "--", *args,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH_JSON "))
    r = json.loads(line[len("BENCH_JSON "):])
    errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
    return Load(
        connections=connections,
        rps=r["requests"] / (r["duration_us"] / 1e6),
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        requests=r["requests"],
        non200=r["non200"],
        errors=errors,
        first_bad=r["first_bad"],
    )


def warm(url: str, script: str, args: list[str], threads: int) -> None:
    wrk(url, script, args, 16, 2, threads)


# -- bulk load -----------------------------------------------------------------


def bulk_load(db: Path, count: int, chunk: int = 50_000) -> float:
    """Put ``count`` tasks, each with one recorded update, straight into the
    SQLite file with mighub's own table definitions (server stopped)."""
    from sqlalchemy import create_engine, event, insert, select, text

    from mighub.store.schema import streams, task_updates, tasks

    began = time.perf_counter()
    engine = create_engine(f"sqlite:///{db}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    now_us = int(time.time() * 1_000_000)
    with engine.begin() as conn:
        stream_id, account_id = conn.execute(
            select(streams.c.id, streams.c.account_id).where(streams.c.name == STREAM)
        ).one()
        first_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM tasks")).scalar() + 1
        for start in range(0, count, chunk):
            ids = range(start, min(start + chunk, count))
            task_rows = []
            update_rows = []
            for i in ids:
                update_us = now_us - 3_600_000_000 + i
                task_rows.append(
                    {
                        "id": first_id + i,
                        "stream_id": stream_id,
                        "account_id": account_id,
                        "stream_name": STREAM,
                        "name": task_name(i),
                        "created_us": update_us,
                        "status": "IN_PROGRESS",
                        "status_detail": "Copying image data",
                        "progress_percent": i % 101,
                        "update_us": update_us,
                        "next_update_seconds": 86_400,
                        "stale_at_us": update_us + 86_400_000_000,
                    }
                )
                update_rows.append(
                    {
                        "task_id": first_id + i,
                        "update_us": update_us,
                        "received_us": update_us,
                        "status": "IN_PROGRESS",
                        "status_detail": "Copying image data",
                        "progress_percent": i % 101,
                        "next_update_seconds": 86_400,
                    }
                )
            conn.execute(insert(tasks), task_rows)
            conn.execute(insert(task_updates), update_rows)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return time.perf_counter() - began


# -- ListMigrationTasks latency -------------------------------------------------


def list_latency(port: int, next_token: str | None, reps: int) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body: dict[str, Any] = {"MaxResults": 100}
    if next_token:
        body["NextToken"] = next_token
    times = []
    for _ in range(reps):
        began = time.perf_counter()
        data = mgh(port, "ListMigrationTasks", body, conn)
        times.append((time.perf_counter() - began) * 1000)
        assert len(data["MigrationTaskSummaryList"]) == 100, data
    conn.close()
    times.sort()
    return {"p50_ms": statistics.median(times), "max_ms": times[-1]}


def middle_token(count: int) -> str:
    # NextToken is opaque to clients; the bench builds the one a client would
    # hold halfway through the listing with the hub's own encoder.
    from mighub.provider.pagination import encode
    from mighub.provider.tasks import task_list_scope

    return encode(task_list_scope(None), [STREAM, task_name(count // 2 - 1)])


def flush_latency(directory: Path, commits: int = 200) -> dict[str, float]:
    """Commit latency of a tiny SQLite transaction with mighub's durability
    settings (WAL, synchronous=FULL) in the bench's directory: what one group
    commit costs on this disk right now, which varies with the machine's load."""
    import sqlite3

    path = directory / "flush.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    times = []
    for _ in range(commits):
        began = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
        db.execute("COMMIT")
        times.append((time.perf_counter() - began) * 1000)
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    times.sort()
    return {"p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1]}


# -- output --------------------------------------------------------------------


# -- part 3: the cost of verifying signatures ------------------------------------

ACCESS_KEY = "AKIABENCHMARK0000001"
SECRET_KEY = "bench-secret-key-not-a-real-one-000000000"


def write_auth_file(path: Path) -> None:
    """One principal allowed everything, and throttling out of the way: the
    benchmark measures verification, not the rate limit."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "mgh:*", "Resource": "*"}]}
    path.write_text(
        "[throttling]\nrate = 1000000000\nburst = 1000000000\n\n[[principals]]\n"
        f'name = "bench"\naccount_id = "111122223333"\naccess_key_id = "{ACCESS_KEY}"\n'
        f'secret_access_key = "{SECRET_KEY}"\npolicy = {json.dumps(json.dumps(policy))}\n'
    )
    path.chmod(0o600)


def signed_client(port: int) -> Any:
    import boto3

    return boto3.client(
        "mgh", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
    )


def sign_pool(port: int, tasks: int, count: int, path: Path) -> None:
    """``count`` notifications signed as boto3 would sign them, for wrk to replay."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "mgh", "us-east-1")
    base = int(time.time())
    with open(path, "w") as out:
        for i in range(count):
            body = json.dumps({
                "ProgressUpdateStream": STREAM,
                "MigrationTaskName": task_name(i % tasks),
                "Task": {"Status": "IN_PROGRESS", "StatusDetail": "Copying image data", "ProgressPercent": i % 101},
                "UpdateDateTime": base + i,
                "NextUpdateSeconds": 60,
            }, separators=(",", ":"))
            request = AWSRequest(
                method="POST",
                url=f"http://127.0.0.1:{port}/",
                data=body.encode(),
                headers={
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": "AWSMigrationHub.NotifyMigrationTaskState",
                },
            )
            signer.add_auth(request)
            out.write(f"{request.headers['Authorization']}\t{request.headers['X-Amz-Date']}\t{body}\n")


def auth_cost(work: Path, logs: Path, conns: list[int], duration: float, threads: int, tasks: int, results: dict[str, Any]) -> bool:
    """Notify throughput with and without an auth file, side by side in one run."""
    print("\n3. the cost of authentication: mighub without and with an auth file (every request signed)")
    auth_file = work / "auth.toml"
    write_auth_file(auth_file)
    open_hub = mighub_server(work / "data-open", logs, "open")
    port = free_port()
    auth_hub = Server(
        "mighub-auth",
        [str(BIN / "mighub"), "serve", "--port", str(port), "--data-dir", str(work / "data-auth"), "--auth-file", str(auth_file)],
        port,
        ready_path="/_mighub/health",
        log=logs / "mighub-auth.log",
    )
    ok = True
    try:
        for server in (open_hub, auth_hub):
            server.start()
        mgh(open_hub.port, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})
        import_tasks(open_hub.port, tasks)
        client = signed_client(auth_hub.port)
        client.create_progress_update_stream(ProgressUpdateStreamName=STREAM)
        for i in range(tasks):
            client.import_migration_task(ProgressUpdateStream=STREAM, MigrationTaskName=task_name(i))
        pool = work / "signed.txt"
        sign_pool(auth_hub.port, tasks, 20_000, pool)
        warm(open_hub.url, "notify.lua", [str(tasks), STREAM], threads)
        warm(auth_hub.url, "notify_signed.lua", [str(pool)], threads)
        print(f"  {'server':<16} {'conns':>5} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}  responses")
        figures: dict[str, Any] = {}
        for c in conns:
            plain = wrk(open_hub.url, "notify.lua", [str(tasks), STREAM], c, duration, threads)
            signed = wrk(auth_hub.url, "notify_signed.lua", [str(pool)], c, duration, threads)
            for name, load in (("no auth file", plain), ("auth file", signed)):
                clean = load.non200 == 0 and load.errors == 0
                ok &= clean
                answers = "all 200" if clean else f"{load.non200} non-200, {load.errors} errors: {load.first_bad}"
                print(f"  {name:<16} {c:>5} {load.rps:>10,.0f} {load.p50_ms:>9.2f} {load.p99_ms:>9.2f}  {answers}")
            figures[str(c)] = {"plain": plain.__dict__, "signed": signed.__dict__}
            print(f"  {'':<16} {c:>5}  with auth / without: {signed.rps / plain.rps:.2f} of the throughput")
        results["auth"] = figures
    finally:
        for server in (open_hub, auth_hub):
            server.stop()
    return ok


# -- part 4: PostgreSQL, one replica and two, beside SQLite ------------------------


def fresh_postgres_database(admin_url: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"mighub_bench_{int(time.time())}_{os.getpid()}"
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def wrk_together(urls: list[str], connections: int, duration: float, threads: int, tasks: int) -> Load:
    """Load several replicas at once, the connections split between them; one
    summed figure, as a load balancer in front of them would see it."""
    share = max(1, connections // len(urls))
    loads: list[Load] = []
    runners = [
        threading.Thread(target=lambda u=u: loads.append(wrk(u, "notify.lua", [str(tasks), STREAM], share, duration, max(1, threads // len(urls)))))
        for u in urls
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    return Load(
        connections=share * len(urls),
        rps=sum(l.rps for l in loads),
        p50_ms=max(l.p50_ms for l in loads),
        p99_ms=max(l.p99_ms for l in loads),
        requests=sum(l.requests for l in loads),
        non200=sum(l.non200 for l in loads),
        errors=sum(l.errors for l in loads),
        first_bad=next((l.first_bad for l in loads if l.first_bad), ""),
    )


def postgres_replicas(work: Path, logs: Path, conns: list[int], duration: float, threads: int, tasks: int, results: dict[str, Any]) -> bool:
    admin = os.environ.get("MIGHUB_BENCH_DATABASE_URL") or os.environ.get("MIGHUB_TEST_DATABASE_URL")
    print("\n4. PostgreSQL: one replica and two over one database, beside SQLite")
    if not admin:
        print("  skipped: set MIGHUB_BENCH_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
        return True
    url = fresh_postgres_database(admin)
    sqlite_hub = mighub_server(work / "data-sqlite4", logs, "sqlite4")
    replicas = []
    for i in range(2):
        port = free_port()
        replicas.append(Server(
            f"mighub-pg{i}",
            [str(BIN / "mighub"), "serve", "--port", str(port), "--data-dir", str(work / f"data-pg{i}"), "--database", url],
            port,
            ready_path="/_mighub/health",
            log=logs / f"mighub-pg{i}.log",
        ))
    ok = True
    try:
        for server in (sqlite_hub, *replicas):
            server.start()
        for port in (sqlite_hub.port, replicas[0].port):
            mgh(port, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})
            import_tasks(port, tasks)
        setups = {
            "SQLite": [sqlite_hub.url],
            "PostgreSQL x1": [replicas[0].url],
            "PostgreSQL x2": [r.url for r in replicas],
        }
        for urls in setups.values():
            wrk_together(urls, 16, 2, threads, tasks)  # warm-up
        print(f"  {'store':<16} {'conns':>5} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}  responses")
        figures: dict[str, Any] = {}
        for c in conns:
            for name, urls in setups.items():
                load = wrk_together(urls, c, duration, threads, tasks)
                clean = load.non200 == 0 and load.errors == 0
                ok &= clean
                answers = "all 200" if clean else f"{load.non200} non-200, {load.errors} errors: {load.first_bad}"
                print(f"  {name:<16} {c:>5} {load.rps:>10,.0f} {load.p50_ms:>9.2f} {load.p99_ms:>9.2f}  {answers}")
                figures[f"{name}/{c}"] = load.__dict__
        results["postgres"] = figures
    finally:
        for server in (sqlite_hub, *replicas):
            server.stop()
        drop_postgres_database(admin, url)
    return ok


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def load_row(name: str, load: Load, rss: int | None) -> str:
    ok = "all 200" if load.non200 == 0 and load.errors == 0 else f"{load.non200} non-200, {load.errors} socket errors"
    return (
        f"  {name:<18} {load.connections:>5} {load.rps:>10,.0f} {load.p50_ms:>9.2f} {load.p99_ms:>9.2f}"
        f" {mib(rss) if rss is not None else '':>9}   {ok}"
    )


HEADER = f"  {'server':<18} {'conns':>5} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'peak RSS':>9}   responses"


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


# -- the run -------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short smoke run: 3 s loads, sizes 10k only")
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk load (default 10; quick 3)")
    parser.add_argument("--connections", default="16,64", help="wrk connection counts (default 16,64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2, one per core)")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks imported over HTTP for part 1 (default 1000)")
    parser.add_argument("--sizes", default=None, help="store sizes for part 2 (default 10k,100k; quick 10k; e.g. 10k,100k,1M)")
    parser.add_argument("--list-reps", type=int, default=50, help="ListMigrationTasks calls per figure (default 50)")
    parser.add_argument("--skip-reference", action="store_true", help="skip part 1 (floor, moto, mighub side by side)")
    parser.add_argument("--parts", default="1,2,3", help="which parts to run: 1 side by side, 2 store sizes, 3 auth, 4 PostgreSQL replicas (default all)")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (data dirs, server logs)")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print("bench: wrk is not on PATH (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    parts = {int(p) for p in args.parts.split(",")}
    duration = args.duration or (3 if args.quick else 10)
    conns = [int(c) for c in args.connections.split(",")]
    sizes = [parse_size(s) for s in (args.sizes or ("10k" if args.quick else "10k,100k")).split(",")]
    work = Path(tempfile.mkdtemp(prefix="mighub-bench-", dir=os.environ.get("BENCH_TMP", "/var/tmp")))
    logs = work / "logs"
    logs.mkdir()
    results: dict[str, Any] = {"duration_s": duration, "wrk_threads": args.threads, "cpus": os.cpu_count()}
    servers: list[Server] = []
    ok_all = True

    print(f"mighub notify benchmark: wrk -t{args.threads}, {duration:g} s per load, {os.cpu_count()} CPUs, work dir {work}")
    try:
        flush = flush_latency(work)
        results["flush"] = flush
        print(f"disk: one durable SQLite commit (WAL, synchronous=FULL) takes p50 {flush['p50_ms']:.2f} ms, "
              f"p99 {flush['p99_ms']:.2f} ms here now")
        # -- part 1 ---------------------------------------------------------------
        if 1 in parts and not args.skip_reference:
            floor_port = free_port()
            floor = Server("floor", [sys.executable, str(BENCH / "floor.py"), "--port", str(floor_port)], floor_port, "/", logs / "floor.log")
            moto_port = free_port()
            moto = Server("moto", [str(BIN / "moto_server"), "-p", str(moto_port)], moto_port, "/moto-api/", logs / "moto.log")
            mh = mighub_server(work / "data-ref", logs, "ref")
            servers += [floor, moto, mh]
            for s in servers:
                s.start()
            status, data = post(
                moto.port,
                "DynamoDB_20120810.CreateTable",
                {
                    "TableName": TABLE,
                    "KeySchema": [
                        {"AttributeName": "Stream", "KeyType": "HASH"},
                        {"AttributeName": "Task", "KeyType": "RANGE"},
                    ],
                    "AttributeDefinitions": [
                        {"AttributeName": "Stream", "AttributeType": "S"},
                        {"AttributeName": "Task", "AttributeType": "S"},
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                },
                ddb=True,
            )
            assert status == 200, data
            mgh(mh.port, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})
            began = time.perf_counter()
            import_tasks(mh.port, args.tasks)
            print(f"\n1. NotifyMigrationTaskState beside the floor and moto ({args.tasks} tasks imported over HTTP "
                  f"in {time.perf_counter() - began:.1f} s)")
            plan = [
                (floor, "notify.lua", [str(args.tasks), STREAM]),
                (moto, "putitem.lua", [str(args.tasks), TABLE]),
                (mh, "notify.lua", [str(args.tasks), STREAM]),
            ]
            for server, script, wargs in plan:
                warm(server.url, script, wargs, args.threads)
            part1: dict[str, dict[int, Load]] = {s.name: {} for s in servers}
            print(HEADER)
            # Interleaved by connection count, so that the three figures at one
            # count are taken within seconds of each other.
            for c in conns:
                for server, script, wargs in plan:
                    load = wrk(server.url, script, wargs, c, duration, args.threads)
                    part1[server.name][c] = load
                    print(load_row(server.name if server is not mh else "mighub", load, server.rss_kib()), flush=True)
            rss = {s.name: s.rss_kib() for s in servers}
            print(f"  peak RSS over the whole run: floor {mib(rss['floor'])}, moto {mib(rss['moto'])}, "
                  f"mighub {mib(rss[mh.name])}")
            bad = sum(l.non200 + l.errors for l in part1[mh.name].values())
            print(f"  mighub responses: {'every one was 200' if bad == 0 else f'{bad} were NOT 200 or failed'}"
                  f" ({sum(l.requests for l in part1[mh.name].values()):,} notifies)")
            ok_all &= bad == 0
            print("\n  ratios           conns   mighub/floor   mighub/moto   target")
            for c in conns:
                m, f, mo = (part1[n][c] for n in (mh.name, "floor", "moto"))
                r_floor, r_moto = m.rps / f.rps, m.rps / mo.rps
                print(f"  {'req/s':<16} {c:>5} {r_floor:>14.2f} {r_moto:>13.1f}   "
                      f"≥0.5 floor: {verdict(r_floor >= 0.5)}, ≥25 moto: {verdict(r_moto >= 25)}")
            c16 = part1[mh.name].get(16)
            if c16:
                print(f"  mighub p99 at 16 connections: {c16.p99_ms:.2f} ms   target ≤5 ms: {verdict(c16.p99_ms <= 5)}")
            results["reference"] = {
                name: {str(c): vars(l) for c, l in loads.items()} for name, loads in part1.items()
            }
            results["reference_peak_rss_kib"] = rss
            for s in servers:
                s.stop()
            servers.clear()

        # -- part 2 ---------------------------------------------------------------
        if 2 in parts:
            print("\n2. mighub with tasks already in the store (bulk-loaded with direct SQL, server stopped)")
            per_size: dict[int, dict[str, Any]] = {}
            running: dict[int, Server] = {}
            for n in sizes:
                tag = show_size(n)
                data_dir = work / f"data-{tag}"
                setup = mighub_server(data_dir, logs, f"{tag}-setup")
                setup.start()
                mgh(setup.port, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})
                setup.stop()
                load_s = bulk_load(data_dir / DB_FILE, n)
                db_mib = sum(p.stat().st_size for p in data_dir.iterdir()) / 2**20
                mh = mighub_server(data_dir, logs, tag)
                servers.append(mh)
                mh.start()
                running[n] = mh
                first = list_latency(mh.port, None, args.list_reps)
                deep = list_latency(mh.port, middle_token(n), args.list_reps)
                per_size[n] = {
                    "bulk_load_s": load_s,
                    "db_mib": db_mib,
                    "start_s": mh.start_seconds,
                    "rss_idle_kib": mh.rss_kib("VmRSS"),
                    "list_first": first,
                    "list_deep": deep,
                    "notify": {},
                }
                print(f"\n  {tag} tasks: loaded in {load_s:.1f} s ({db_mib:.0f} MiB on disk); server start {mh.start_seconds:.3f} s; "
                      f"RSS after start {mib(per_size[n]['rss_idle_kib'])}")
                print(f"    ListMigrationTasks (100 per page, {args.list_reps} calls): first page p50 {first['p50_ms']:.2f} ms "
                      f"(max {first['max_ms']:.2f}), deep page (token from the middle) p50 {deep['p50_ms']:.2f} ms "
                      f"(max {deep['max_ms']:.2f})")
            for n, mh in running.items():
                warm(mh.url, "notify.lua", [str(n), STREAM], args.threads)
            print("\n  notify, each request to a random one of the stored tasks (sizes interleaved at each count)")
            print(HEADER.replace("server            ", "tasks in store    "))
            for c in conns:
                for n, mh in running.items():
                    load = wrk(mh.url, "notify.lua", [str(n), STREAM], c, duration, args.threads)
                    per_size[n]["notify"][str(c)] = vars(load)
                    ok_all &= load.non200 + load.errors == 0
                    print(load_row(show_size(n), load, mh.rss_kib()), flush=True)
            for n, mh in running.items():
                per_size[n]["rss_peak_kib"] = mh.rss_kib()
                mh.stop()
            servers.clear()
            results["sizes"] = {show_size(n): v for n, v in per_size.items()}

            if len(per_size) > 1:
                lo, hi = min(per_size), max(per_size)
                a, b = per_size[lo], per_size[hi]
                print(f"\n  flatness, {show_size(lo)} → {show_size(hi)} tasks (target: within 20 %)")
                for c in conns:
                    la, lb = a["notify"][str(c)], b["notify"][str(c)]
                    dr = lb["rps"] / la["rps"] - 1
                    dp = lb["p99_ms"] / la["p99_ms"] - 1
                    print(f"    {c:>3} conns: req/s {dr:+.0%} ({verdict(abs(dr) <= 0.2)}), p99 {dp:+.0%} ({verdict(abs(dp) <= 0.2)})")
                drss = b["rss_peak_kib"] / a["rss_peak_kib"] - 1
                print(f"    peak RSS {drss:+.0%} ({verdict(abs(drss) <= 0.2)})")
                for key in ("list_first", "list_deep"):
                    d = b[key]["p50_ms"] / a[key]["p50_ms"] - 1
                    print(f"    ListMigrationTasks {key[5:]} page p50 {d:+.0%} ({verdict(abs(d) <= 0.2)})")
                print(f"    server start at {show_size(hi)}: {b['start_s']:.3f} s (target under 1 s: {verdict(b['start_s'] < 1)})")

        # -- part 3 ---------------------------------------------------------------
        if 3 in parts:
            ok_all &= auth_cost(work, logs, conns, duration, args.threads, args.tasks, results)
        if 4 in parts:
            ok_all &= postgres_replicas(work, logs, conns, duration, args.threads, args.tasks, results)
        flush = flush_latency(work)
        results["flush_end"] = flush
        print(f"\ndisk at the end: durable commit p50 {flush['p50_ms']:.2f} ms, p99 {flush['p99_ms']:.2f} ms")
        print(f"\nall mighub responses 200: {'yes' if ok_all else 'NO'}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
            print(f"figures written to {args.json}")
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
