"""AWS JSON 1.1: reading request bodies and writing responses.

Responses are plain dicts from the providers; the only wire conversion the
models need is timestamps, which AWS JSON sends as epoch seconds.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

from ..errors import SerializationException, ServiceError

CONTENT_TYPE = b"application/x-amz-json-1.1"


def parse_body(body: bytes) -> Any:
    """Decode a JSON request body; an empty body is an empty object."""
    if not body.strip():
        return {}
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    # orjson refuses integers beyond 64 bits; those are valid JSON whose range
    # the validator reports by member name, so give the standard parser a try.
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise SerializationException(f"The request body is not valid JSON: {exc}") from None


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dump(payload: Any) -> bytes:
    return orjson.dumps(payload, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def error_body(error: ServiceError) -> bytes:
    return orjson.dumps({"__type": error.code, "message": error.message, **error.fields})
