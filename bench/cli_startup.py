"""Wall time of one ``notify-migration-task-state`` through ``mighub`` and through ``aws``.

Starts a ``mighub serve`` on a free loopback port with a temporary data directory, runs
the seed command N times through each CLI (alternating, after one warm-up each) and
prints the medians and their ratio. Run: ``python bench/cli_startup.py [N]``.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or sys.exit(f"{name} not found"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [tool("mighub"), "serve", "--port", str(port), "--data-dir", str(base / "data")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(endpoint + "/_mighub/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            (base / ".aws").mkdir()
            (base / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
            (base / ".aws" / "credentials").write_text(
                "[default]\naws_access_key_id = AKIDBENCH\naws_secret_access_key = secret\n"
            )
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(HOME=str(base), AWS_ENDPOINT_URL=endpoint)

            def run(cli: str, *args: str) -> float:
                start = time.perf_counter()
                subprocess.run([tool(cli), *args], env=env, check=True, stdout=subprocess.DEVNULL)
                return time.perf_counter() - start

            run("mighub", "mgh", "create-progress-update-stream", "--progress-update-stream-name", "bench")
            run(
                "mighub",
                "mgh",
                "import-migration-task",
                "--progress-update-stream",
                "bench",
                "--migration-task-name",
                "t",
            )

            def notify(cli: str, i: int) -> float:
                return run(
                    cli,
                    "mgh",
                    "notify-migration-task-state",
                    "--progress-update-stream",
                    "bench",
                    "--migration-task-name",
                    "t",
                    "--task",
                    f"Status=IN_PROGRESS,ProgressPercent={i % 100}",
                    "--update-date-time",
                    str(1_700_000_000 + i),
                    "--next-update-seconds",
                    "60",
                )

            notify("mighub", 0)
            notify("aws", 0)
            times: dict[str, list[float]] = {"mighub": [], "aws": []}
            for i in range(1, runs + 1):
                for cli in times:
                    times[cli].append(notify(cli, i))
        finally:
            server.terminate()
            server.wait()
    med = {cli: statistics.median(t) for cli, t in times.items()}
    for cli, t in times.items():
        print(f"{cli:7s} median {med[cli] * 1000:6.1f} ms  min {min(t) * 1000:6.1f} ms  ({len(t)} runs)")
    print(f"ratio mighub/aws: {med['mighub'] / med['aws']:.2f}")


if __name__ == "__main__":
    main()
