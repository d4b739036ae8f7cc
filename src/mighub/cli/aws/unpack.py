"""Turn one option's command-line text into the Python value of its model shape.

Order, as in the aws CLI: a ``file://``/``fileb://`` value is replaced by the file's
contents; a complex value starting with ``{`` or ``[`` is JSON; other complex values are
shorthand; scalars are converted by type. Timestamps stay strings: botocore accepts ISO
8601 and epoch seconds and serialises them for the wire.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import Shape

from . import coerce, paramfile, shorthand
from .arguments import ModelArgument
from .errors import ParamError

__all__ = ["unpack"]


def unpack(arg: ModelArgument, raw: Any) -> Any:
    cli_name = "--" + arg.cli_name
    if arg.is_boolean:
        return raw  # argparse already produced True/False
    value = raw
    # A list option given one file:// value reads the whole list from the file.
    candidate = value[0] if isinstance(value, list) and len(value) == 1 else value
    loaded = _load_file(cli_name, candidate)
    if loaded is not None:
        value = loaded
    try:
        return _unpack(arg.shape, value, cli_name)
    except ParamError:
        raise
    except shorthand.ShorthandError as e:
        raise ParamError(cli_name, str(e)) from None
    except (ValueError, TypeError) as e:
        raise ParamError(cli_name, str(e)) from None


def _load_file(cli_name: str, value: Any) -> Any:
    try:
        return paramfile.load_or_none(value)
    except Exception as e:  # the loader's message already says what went wrong
        raise ParamError(cli_name, str(e)) from None


def _looks_like_json(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith(("{", "["))


def _unpack(shape: Shape, value: Any, cli_name: str) -> Any:
    kind = shape.type_name
    if kind in ("structure", "map"):
        if _looks_like_json(value):
            return _json(value, cli_name)
        if shorthand.supports_shorthand(shape):
            return _shorthand(shape, value, cli_name)
        raise ParamError(cli_name, f"Invalid JSON:\n{value}")
    if kind == "list":
        if isinstance(value, str):
            if _looks_like_json(value):
                return _json(value, cli_name)
            value = [value]
        if len(value) == 1 and _looks_like_json(value[0]) and value[0].strip().startswith("["):
            return _json(value[0], cli_name)
        if shorthand.supports_shorthand(shape):
            return [
                _json(v, cli_name) if _looks_like_json(v) else _shorthand(shape.member, v, cli_name)
                for v in value
            ]
        return [_unpack(shape.member, v, cli_name) for v in value]
    return _scalar(shape, value)


def _scalar(shape: Shape, value: Any) -> Any:
    return coerce.from_text(shape, value) if isinstance(value, str) else value


def _json(value: str, cli_name: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as e:
        raise ParamError(cli_name, f"Invalid JSON: {e}\nJSON received: {value}") from None


def _shorthand(shape: Shape, value: str, cli_name: str) -> Any:
    return coerce.apply_model(shorthand.parse(value, load_file=paramfile.load), shape)
