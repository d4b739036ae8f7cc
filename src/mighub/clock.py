"""Time as the store keeps it: integer microseconds since the epoch.

Every time the hub accepts lies between ``EARLIEST`` and ``LATEST`` (UTC): what
``datetime`` can hold, less the last second of year 9999, whose fractions come
out of a JSON epoch-seconds float rounded up into year 10000, which no client
could parse back.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def now_us() -> int:
    return time.time_ns() // 1000


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // _MICROSECOND


EARLIEST_US = to_us(EARLIEST)
LATEST_US = to_us(LATEST)


def representable(moment: datetime) -> bool:
    """Whether the hub can store ``moment`` (an aware datetime) and read it back."""
    return EARLIEST <= moment <= LATEST


def from_us(us: int) -> datetime:
    """The stored time as a datetime. A time outside the range, which only an
    older version could have stored, is shown at the nearest end of it rather
    than failing every read that includes it."""
    if not EARLIEST_US <= us <= LATEST_US:
        log.warning("stored time %d µs is outside the years 1 to 9999; shown as the nearest time inside", us)
        us = min(max(us, EARLIEST_US), LATEST_US)
    return EPOCH + timedelta(microseconds=us)
