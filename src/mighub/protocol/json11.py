"""AWS JSON 1.1: reading request bodies and writing responses.

A body is JSON as RFC 8259 defines it and AWS reads it: UTF-8 (no byte order
mark, no UTF-16 or UTF-32), no ``NaN`` or ``Infinity``. Responses are plain dicts
from the providers; the only wire conversion the models need is timestamps,
which AWS JSON sends as epoch seconds.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

from ..errors import SerializationException, ServiceError

CONTENT_TYPE = b"application/x-amz-json-1.1"

# orjson reads an integer beyond 64 bits as an inexact float: a body holding one
# (a run of 20 digits or more) goes to the exact parser, so the validator can quote
# the number it refuses. Found by mapping every digit to "0" and everything else to
# a space, then looking for twenty zeros: a tenth of the cost of a regex search.
_DIGITS_TO_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_TWENTY_DIGITS = b"0" * 20
# The validator quotes at most 61 characters of a number and only needs to know
# it is out of range: the first 100 digits say as much as the whole, without
# Python's 4,300-digit conversion limit (and its cost) on a megabyte of digits.
_DIGITS_KEPT = 100


def parse_body(body: bytes) -> Any:
    """Decode a JSON request body; an empty body is an empty object."""
    if not body.strip():
        return {}
    if body.translate(_DIGITS_TO_ZEROS).find(_TWENTY_DIGITS) == -1:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # the exact parser reads what orjson cannot hold, or says what is wrong
    return _exact_loads(body)


def _exact_loads(body: bytes) -> Any:
    """The standard parser, held to the same rules as orjson, with exact integers.

    Escaped lone surrogates (``"\\ud800"``) are decoded here as the standard
    parser does, so that the validator can refuse them naming the member.
    """
    try:
        text = body.decode("utf-8")  # strict: UTF-16, UTF-32 and encoded surrogates fail here
    except UnicodeDecodeError as exc:
        raise SerializationException(
            f"The request body is not valid JSON: it is not UTF-8 (byte {exc.start} cannot be decoded)"
        ) from None
    try:
        return json.loads(text, parse_constant=_no_constant, parse_int=_integer)
    except (ValueError, RecursionError) as exc:  # a byte order mark is refused here too
        raise SerializationException(f"The request body is not valid JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _integer(digits: str) -> int:
    return int(digits[: _DIGITS_KEPT + (digits[0] == "-")])


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dump(payload: Any) -> bytes:
    return orjson.dumps(payload, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def printable(text: str) -> str:
    """``text`` with any lone surrogate written as its escape: JSON can carry
    only Unicode scalar values, and a message may quote the caller's input."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_body(error: ServiceError) -> bytes:
    fields = {key: printable(value) if isinstance(value, str) else value for key, value in error.fields.items()}
    return orjson.dumps({"__type": error.code, "message": printable(error.message), **fields})
