"""How an option's words on the command line become the value of its model shape.

What the aws CLI does with them, as ``tests/cli/test_cli_unpack.py`` observes it:

* a ``file://`` or ``fileb://`` word stands for the file's contents; a list option given
  one such word reads its whole value from the file, as if the contents were its one word;
* a structure or map is one word: JSON when it starts with ``{`` or ``[`` (and it must then
  be an object), shorthand otherwise;
* a list of structures, maps or lists is one JSON word (a list, or one item), or several
  words that are all JSON when the first is and all shorthand when it is not;
* a list of scalars is its words, each converted, or one word that is a JSON list;
* a scalar is its word, converted by ``coerce``. Timestamps stay strings: botocore reads
  ISO 8601 and epoch seconds and serialises them for the wire.

Every failure names the option. Two deliberate differences from the aws CLI: a number that
is not one is such an error (the aws CLI stops with a bare Python message and exit 255),
and a list option's file is read as its one word even when it holds one JSON object or
one shorthand item (the aws CLI takes the contents apart and fails).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import Shape

from . import coerce, paramfile, shorthand
from .arguments import ModelArgument
from .errors import CommandLineError, ParamError

__all__ = ["unpack"]

_CONTAINERS = ("structure", "map", "list")


def unpack(arg: ModelArgument, raw: Any) -> Any:
    """``raw`` is what argparse kept: True/False for a flag, a list of words for a list
    option, one word otherwise."""
    if arg.is_boolean:
        return raw
    try:
        if arg.is_list:
            return _list(arg.shape, _file_or_words(raw))
        return _single(arg.shape, _file_or_word(raw))
    except (CommandLineError, shorthand.ShorthandError, ValueError, TypeError) as e:
        raise ParamError("--" + arg.cli_name, str(e)) from None


def _file_or_word(word: Any) -> Any:
    contents = paramfile.load_or_none(word)
    return word if contents is None else contents


def _file_or_words(words: list[Any]) -> list[Any]:
    if len(words) == 1:
        return [_file_or_word(words[0])]
    return list(words)


def _single(shape: Shape, word: Any) -> Any:
    if shape.type_name not in _CONTAINERS:
        return _scalar(shape, word)
    if _starts_json(word) or not shorthand.supports_shorthand(shape):
        return _json_of(shape, word)
    return _shorthand(shape, word)


def _list(shape: Shape, words: list[Any]) -> Any:
    member = shape.member
    if member.type_name not in _CONTAINERS:
        if len(words) == 1 and _starts_json(words[0], "["):
            return _json(words[0])
        return [_scalar(member, word) for word in words]
    if len(words) == 1 and _starts_json(words[0]):
        value = _json(words[0])
        return value if isinstance(value, list) else [value]
    if words and _starts_json(words[0]):
        return [_json_of(member, word) for word in words]
    return [_shorthand(member, word) for word in words]


def _scalar(shape: Shape, word: Any) -> Any:
    return coerce.from_text(shape, word) if isinstance(word, str) else word


def _starts_json(word: Any, starts: tuple[str, ...] | str = ("{", "[")) -> bool:
    return isinstance(word, str) and word.lstrip().startswith(starts)


def _json(word: str) -> Any:
    try:
        return json.loads(word)
    except ValueError as e:
        raise ValueError(f"Invalid JSON: {e}\nJSON received: {word}") from None


def _json_of(shape: Shape, word: Any) -> Any:
    """A JSON word that must hold the container ``shape`` is: an object, or a list for a list."""
    wanted = list if shape.type_name == "list" else dict
    value = _json(word) if _starts_json(word) else None
    if not isinstance(value, wanted):
        raise ValueError(f"Invalid JSON:\n{word}")
    return value


def _shorthand(shape: Shape, word: Any) -> Any:
    if not isinstance(word, str):
        raise ValueError("Invalid shorthand: the value is not text")
    return coerce.apply_model(shorthand.parse(word, load_file=paramfile.load), shape)
