"""Input validation driven by the service model.

One walk over the operation's input shape does three things at once: it checks
JSON types (a mismatch is a ``SerializationException``, as AWS JSON services
answer), converts wire values to native ones (timestamps become aware
datetimes), and checks every constraint the model declares (required, min/max
length, pattern, enum, min/max value, list length), collecting the violations
into one ``InvalidInputException`` worded the way AWS words it.

Validators are compiled once per shape and cached, so a request costs a walk over
closures, not a re-reading of the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from botocore.model import Shape

from ..clock import EARLIEST, LATEST, representable
from ..errors import InvalidInputException, SerializationException
from .json11 import printable

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

# What a string must be to be stored and read back on every engine: Unicode
# scalar values (a lone surrogate cannot be encoded as UTF-8), and no NUL
# (PostgreSQL text cannot hold one; SQLite could, but both engines agree).
_SURROGATE = re.compile("[\ud800-\udfff]")
_TIME_RANGE = f"{EARLIEST:%Y-%m-%dT%H:%M:%SZ} to {LATEST:%Y-%m-%dT%H:%M:%SZ}"

# Checker(value, path, problems) -> converted value. ``problems`` collects
# constraint violations; type errors raise at once.
Checker = Callable[[Any, str, list[str]], Any]


def validate_input(shape: Shape | None, body: Any) -> dict[str, Any]:
    """Check ``body`` against ``shape`` and return it with native values."""
    if not isinstance(body, dict):
        raise SerializationException("The request body must be a JSON object")
    if shape is None:
        return {}
    problems: list[str] = []
    value: dict[str, Any] = _checker(shape)(body, "", problems)
    if problems:
        raise validation_error(problems)
    return value


def validation_error(problems: list[str]) -> InvalidInputException:
    """The violations found, reported together as AWS reports them."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return InvalidInputException(f"{count} validation {noun} detected: " + "; ".join(problems))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _show(value: Any) -> str:
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
        text = "(a number of more than 4300 digits)"
    return printable(text if len(text) <= 64 else text[:61] + "...")


def _violation(value: Any, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{_show(value)}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _type_error(path: str, expected: str, value: Any) -> SerializationException:
    return SerializationException(f"Value at '{path or '$'}' must be {expected}, not {_json_type(value)}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


@cache
def _checker(shape: Shape) -> Checker:
    builder = _BUILDERS.get(shape.type_name)
    if builder is None:  # blob, map, float...: not used by these models
        return lambda value, path, problems: value
    return builder(shape)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    # The models carry Java regexes; the ones used here mean the same in Python.
    return re.compile(pattern)


def _structure(shape: Shape) -> Checker:
    members = {name: _checker(member) for name, member in shape.members.items()}
    required = tuple(shape.required_members)

    def check(value: Any, path: str, problems: list[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _type_error(path, "an object", value)
        out: dict[str, Any] = {}
        for name, raw in value.items():
            member = members.get(name)
            if member is None or raw is None:  # unknown members and nulls are ignored, as AWS does
                continue
            out[name] = member(raw, _join(path, name), problems)
        for name in required:
            if name not in out:
                problems.append(_violation(None, _join(path, name), "not be null"))
        return out

    return check


def _list(shape: Shape) -> Checker:
    member = _checker(shape.member)
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any, path: str, problems: list[str]) -> list[Any]:
        if not isinstance(value, list):
            raise _type_error(path, "an array", value)
        if low is not None and len(value) < low:
            problems.append(_violation(value, path, f"have length greater than or equal to {low}"))
        if high is not None and len(value) > high:
            problems.append(_violation(value, path, f"have length less than or equal to {high}"))
        return [member(item, f"{path}.member.{i + 1}", problems) for i, item in enumerate(value)]

    return check


def _string(shape: Shape) -> Checker:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    pattern = shape.metadata.get("pattern")
    regex = _pattern(pattern) if pattern else None
    enum = frozenset(shape.enum) if shape.enum else None
    enum_text = ", ".join(shape.enum) if shape.enum else ""

    def check(value: Any, path: str, problems: list[str]) -> str:
        if not isinstance(value, str):
            raise _type_error(path, "a string", value)
        if not value.isascii() and _SURROGATE.search(value) is not None:
            problems.append(_violation(value, path, "consist of Unicode scalar values (no lone surrogates)"))
        if "\x00" in value:
            problems.append(_violation(value, path, "not contain the NUL character (U+0000)"))
        if low is not None and len(value) < low:
            problems.append(_violation(value, path, f"have length greater than or equal to {low}"))
        if high is not None and len(value) > high:
            problems.append(_violation(value, path, f"have length less than or equal to {high}"))
        if regex is not None and regex.fullmatch(value) is None:
            problems.append(_violation(value, path, f"satisfy regular expression pattern: {pattern}"))
        if enum is not None and value not in enum:
            problems.append(_violation(value, path, f"satisfy enum value set: [{enum_text}]"))
        return value

    return check


def _integer(shape: Shape) -> Checker:
    low = shape.metadata.get("min", INT64_MIN)
    high = shape.metadata.get("max", INT64_MAX)

    def check(value: Any, path: str, problems: list[str]) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(path, "an integer", value)
        number = value
        if isinstance(value, float):
            # A number too large for a double (1e999) is out of range, not of another type.
            if math.isnan(value) or (math.isfinite(value) and not value.is_integer()):
                raise _type_error(path, "an integer", value)
            number = int(value) if math.isfinite(value) else value
        if number < low:
            problems.append(_violation(value, path, f"have value greater than or equal to {low}"))
        elif number > high:
            problems.append(_violation(value, path, f"have value less than or equal to {high}"))
        return number  # type: ignore[return-value]  # an infinity never gets past the problems

    return check


def _boolean(shape: Shape) -> Checker:
    def check(value: Any, path: str, problems: list[str]) -> bool:
        if not isinstance(value, bool):
            raise _type_error(path, "a boolean", value)
        return value

    return check


def _timestamp(shape: Shape) -> Checker:
    def check(value: Any, path: str, problems: list[str]) -> datetime | None:
        if isinstance(value, bool) or (isinstance(value, float) and math.isnan(value)):
            raise _type_error(path, "a timestamp (epoch seconds)", value)
        moment: datetime | None
        if isinstance(value, (int, float)):
            try:
                moment = datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                moment = None
        elif isinstance(value, str):  # some generated clients send ISO 8601
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise _type_error(path, "a timestamp (epoch seconds or ISO 8601)", value) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        else:
            raise _type_error(path, "a timestamp (epoch seconds)", value)
        # The instant in UTC must be one the store and every later read can hold:
        # 9999-12-31T23:59:59-14:00 is in year 10000.
        if moment is None or not representable(moment):
            problems.append(_violation(value, path, f"be a timestamp from {_TIME_RANGE}"))
            return None
        return moment

    return check


_BUILDERS: dict[str, Callable[[Shape], Checker]] = {
    "structure": _structure,
    "list": _list,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "boolean": _boolean,
    "timestamp": _timestamp,
}
