"""The audit log: one JSON line per API request, in the spirit of CloudTrail.

It records who asked for what and what the hub decided, never a secret or a
signature: the fields are chosen, not copied from the request.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson


class AuditLog:
    def __init__(self, target: str) -> None:
        self._lock = threading.Lock()
        if target == "-":
            self._out: IO[bytes] = sys.stdout.buffer
            self._owned = False
        else:
            path = Path(target).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._out = open(path, "ab", buffering=0)  # noqa: SIM115 - held for the process's life
            self._owned = True

    def record(self, **fields: Any) -> None:
        fields = {"eventTime": datetime.now(UTC).isoformat(timespec="milliseconds"), **fields}
        line = orjson.dumps(fields) + b"\n"
        with self._lock:
            self._out.write(line)
            if not self._owned:
                self._out.flush()

    def close(self) -> None:
        if self._owned:
            self._out.close()
