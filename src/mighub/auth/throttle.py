"""Per access key token buckets: ``rate`` requests a second, ``burst`` at once.

The buckets live in this process: with several replicas each enforces its own
share, so the effective limit is the sum over replicas.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class Throttle:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token; return 0 if one was there, else the seconds until one is."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def retain(self, keys: Collection[str]) -> None:
        """Forget the buckets of every key not in ``keys``."""
        for key in [key for key in self._buckets if key not in keys]:
            del self._buckets[key]


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
