"""Part 3: the cost of verifying signatures, mighub without and with an auth file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .common import STREAM, Run, import_tasks, task_name
from .report import short_header, short_row
from .servers import mighub_server, stop_all
from .wrk import notify, warm, wrk

ACCESS_KEY = "AKIABENCHMARK0000001"
SECRET_KEY = "bench-secret-key-not-a-real-one-000000000"
POOL = 20_000  # signed requests that lua/notify_signed.lua replays round-robin


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
        "mgh",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def sign_pool(port: int, tasks: int, count: int, path: Path) -> None:
    """``count`` notifications signed as boto3 would sign them, for wrk to replay
    (wrk cannot compute HMACs)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "mgh", "us-east-1")
    base = int(time.time())
    with open(path, "w") as out:
        for i in range(count):
            body = json.dumps(
                {
                    "ProgressUpdateStream": STREAM,
                    "MigrationTaskName": task_name(i % tasks),
                    "Task": {"Status": "IN_PROGRESS", "StatusDetail": "Copying image data", "ProgressPercent": i % 101},
                    "UpdateDateTime": base + i,
                    "NextUpdateSeconds": 60,
                },
                separators=(",", ":"),
            )
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


def auth_cost(run: Run) -> bool:
    """Notify throughput with and without an auth file, side by side in one run;
    True when every response was a 200."""
    print("\n3. the cost of authentication: mighub without and with an auth file (every request signed)")
    auth_file = run.work / "auth.toml"
    write_auth_file(auth_file)
    open_hub = mighub_server(run.work / "data-open", run.logs, "open")
    auth_hub = mighub_server(run.work / "data-auth", run.logs, "auth", "--auth-file", str(auth_file))
    ok = True
    try:
        for server in (open_hub, auth_hub):
            server.start()
        import_tasks(open_hub.port, run.tasks)
        client = signed_client(auth_hub.port)
        client.create_progress_update_stream(ProgressUpdateStreamName=STREAM)
        for i in range(run.tasks):
            client.import_migration_task(ProgressUpdateStream=STREAM, MigrationTaskName=task_name(i))
        pool = run.work / "signed.txt"
        sign_pool(auth_hub.port, run.tasks, POOL, pool)
        warm(open_hub.url, "notify.lua", [str(run.tasks), STREAM], run.threads)
        warm(auth_hub.url, "notify_signed.lua", [str(pool)], run.threads)
        print(short_header("server"))
        figures: dict[str, Any] = {}
        for c in run.conns:
            plain = notify(open_hub.url, run.tasks, c, run.duration, run.threads)
            signed = wrk(auth_hub.url, "notify_signed.lua", [str(pool)], c, run.duration, run.threads)
            for name, load in (("no auth file", plain), ("auth file", signed)):
                ok &= load.clean
                print(short_row(name, c, load))
            figures[str(c)] = {"plain": vars(plain), "signed": vars(signed)}
            print(f"  {'':<16} {c:>5}  with auth / without: {signed.rps / plain.rps:.2f} of the throughput")
        run.results["auth"] = figures
    finally:
        stop_all((open_hub, auth_hub))
    return ok
