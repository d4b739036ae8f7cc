"""The aws CLI's shorthand syntax: ``Status=IN_PROGRESS,ProgressPercent=50``.

Parsing is purely syntactic (strings, lists and dicts); :func:`coerce` then uses the
model to turn scalars into numbers and booleans and lone values into one-item lists,
exactly as the aws CLI does, so a line copied from its docs means the same here.

Grammar (the aws CLI's)::

    parameter     = keyval *("," keyval)
    keyval        = key ["@"] "=" [values]
    values        = csv-list / explicit-list / hash-literal
    explicit-list = "[" [value *("," value)] "]"
    hash-literal  = "{" keyval *("," keyval) "}"
"""

from __future__ import annotations

import re
import string
from functools import cache
from typing import Any, Callable

from botocore.model import Shape

__all__ = ["ShorthandError", "parse", "coerce", "supports_shorthand"]

_WORD_START = r"\!\#-&\(-\+\--\<\>-Z\\\\-z\u007c-\uffff"
_FIRST_FOLLOW = r"\s\!\#-&\(-\+\--\\\\\^-\|~-\uffff"
_SECOND_FOLLOW = r"\s\!\#-&\(-\+\--\<\>-\uffff"
_ESCAPED_COMMA = r"(\\,)"
_SINGLE_QUOTED = re.compile(r"'(?:\\'|[^'])*'")
_DOUBLE_QUOTED = re.compile(r'"(?:\\"|[^"])*"')


@cache
def _value_regex(follow: str) -> re.Pattern[str]:
    # Compiled on first use: these wide Unicode classes cost ~10 ms each, paid at
    # every start otherwise, and most commands take no shorthand.
    return re.compile(f"({_ESCAPED_COMMA}|[{_WORD_START}])({_ESCAPED_COMMA}|[{follow}])*")
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_.#/:")


class ShorthandError(ValueError):
    """The value is not valid shorthand; the message points at the offending character."""


def _pointer(value: str, index: int) -> str:
    # Show the input with a caret under the failure, counting from the last newline.
    consumed, remaining, spaces = value, "", index
    if "\n" in value[:index]:
        spaces = index - value[:index].rindex("\n") - 1
    if "\n" in value[index:]:
        cut = index + value[index:].index("\n")
        consumed, remaining = value[:cut], value[cut:]
    return f"{consumed}\n{' ' * spaces}^{remaining}"


class _Syntax(ShorthandError):
    def __init__(self, value: str, expected: str, actual: str, index: int) -> None:
        super().__init__(
            f"Expected: '{expected}', received: '{actual}' for input:\n{_pointer(value, index)}"
        )


class _Parser:
    def __init__(self, text: str, load_file: Callable[[str], Any] | None) -> None:
        self.text = text
        self.i = 0
        self.load_file = load_file
        self.resolve_files = False  # set by "key@=": the value may be file://...

    # -- grammar -------------------------------------------------------------
    def parameter(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        key, val = self.keyval()
        params[key] = val
        last = self.i
        while self.i < len(self.text):
            self.expect(",", ws=True)
            key, val = self.keyval()
            if key in params:
                raise ShorthandError(
                    f'Second instance of key "{key}" encountered for input:\n'
                    f"{_pointer(self.text, last + 1)}\n"
                    'This is often because there is a preceding "," instead of a space.'
                )
            params[key] = val
            last = self.i
        return params

    def keyval(self) -> tuple[str, Any]:
        key = self.key()
        self.at_sign()
        self.expect("=", ws=True)
        return key, self.values()

    def at_sign(self) -> None:
        self.resolve_files = False
        self.skip_ws()
        if self.current() == "@":
            self.i += 1
            self.skip_ws()
            self.resolve_files = True

    def key(self) -> str:
        start = self.i
        while self.i < len(self.text) and self.text[self.i] in _KEY_CHARS:
            self.i += 1
        return self.text[start : self.i]

    def values(self) -> Any:
        if self.eof():
            return ""
        if self.current() == "[":
            return self.explicit_list()
        if self.current() == "{":
            return self.hash_literal()
        return self.csv_value()

    def csv_value(self) -> Any:
        first = self.first_value()
        self.skip_ws()
        if self.eof() or self.text[self.i] != ",":
            return first
        self.expect(",", ws=True)
        items = [first]
        while True:
            try:
                current = self.second_value()
                self.skip_ws()
                if self.eof():
                    items.append(current)
                    break
                self.expect(",", ws=True)
                items.append(current)
            except _Syntax:
                # "a=b,c=d": what follows the comma is the next key, not a list item.
                if self.eof():
                    raise
                while self.i >= 0 and self.text[self.i] != ",":
                    self.i -= 1
                break
        return first if len(items) == 1 else items

    def explicit_list(self) -> list[Any]:
        self.expect("[", ws=True)
        items: list[Any] = []
        while self.current() != "]":
            items.append(self.explicit_value())
            self.skip_ws()
            if self.current() != "]":
                self.expect(",")
                self.skip_ws()
        self.expect("]")
        return items

    def hash_literal(self) -> dict[str, Any]:
        self.expect("{", ws=True)
        result: dict[str, Any] = {}
        while self.current() != "}":
            key = self.key()
            self.at_sign()
            self.expect("=", ws=True)
            value = self.explicit_value()
            self.skip_ws()
            if self.current() != "}":
                self.expect(",")
                self.skip_ws()
            result[key] = value
        self.expect("}")
        return result

    def explicit_value(self) -> Any:
        if self.current() == "[":
            return self.explicit_list()
        if self.current() == "{":
            return self.hash_literal()
        return self.first_value()

    def first_value(self) -> Any:
        quoted = self.quoted()
        if quoted is not None:
            return quoted
        match = _value_regex(_FIRST_FOLLOW).match(self.text, self.i)
        if match is None:
            return ""
        self.i = match.end()
        return self.maybe_file(match.group(0).replace("\\,", ",").rstrip())

    def second_value(self) -> Any:
        quoted = self.quoted()
        if quoted is not None:
            return quoted
        match = _value_regex(_SECOND_FOLLOW).match(self.text, self.i)
        if match is None:
            raise _Syntax(self.text, "<second>", "<none>", self.i)
        self.i = match.end()
        return self.maybe_file(match.group(0).replace("\\,", ",").rstrip())

    def quoted(self) -> Any:
        char = self.current()
        if char not in ("'", '"'):
            return None
        regex = _SINGLE_QUOTED if char == "'" else _DOUBLE_QUOTED
        match = regex.match(self.text, self.i)
        if match is None:
            raise _Syntax(self.text, f"<{'singled' if char == chr(39) else 'double'} quoted>", "<none>", self.i)
        self.i = match.end()
        inner = match.group(0)[1:-1].replace("\\" + char, char).replace("\\\\", "\\")
        return self.maybe_file(inner)

    def maybe_file(self, value: str) -> Any:
        if self.resolve_files and self.load_file is not None:
            return self.load_file(value)
        return value

    # -- scanning ------------------------------------------------------------
    def expect(self, char: str, ws: bool = False) -> None:
        if ws:
            self.skip_ws()
        if self.i >= len(self.text):
            raise _Syntax(self.text, char, "EOF", self.i)
        if self.text[self.i] != char:
            raise _Syntax(self.text, char, self.text[self.i], self.i)
        self.i += 1
        if ws:
            self.skip_ws()

    def current(self) -> str | None:
        return self.text[self.i] if self.i < len(self.text) else None

    def eof(self) -> bool:
        return self.i >= len(self.text)

    def skip_ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in string.whitespace:
            self.i += 1


def parse(text: str, load_file: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Parse shorthand into strings, lists and dicts (no model involved yet).

    ``load_file`` resolves ``key@=file://path`` values; it returns the value unchanged
    when the value names no file.
    """
    return _Parser(text, load_file).parameter()


def supports_shorthand(shape: Shape) -> bool:
    """Structures, maps and lists of those take shorthand; scalars and lists of scalars do not."""
    if shape.type_name in ("structure", "map"):
        return not shape.is_document_type if hasattr(shape, "is_document_type") else True
    return shape.type_name == "list" and shape.member.type_name in ("structure", "list", "map")


def coerce(value: Any, shape: Shape) -> Any:
    """Apply the model to parsed shorthand, in place where possible, and return the result."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if isinstance(value, dict):
            for name, member in shape.members.items():
                if name in value:
                    value[name] = coerce(value[name], member)
        return value
    if kind == "list":
        if not isinstance(value, list):
            return [coerce(value, shape.member)]
        return [coerce(item, shape.member) for item in value]
    if kind == "map":
        if isinstance(value, dict):
            return {k: coerce(v, shape.value) for k, v in value.items()}
        return value
    if not isinstance(value, str):
        return value
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "boolean":
        # Only an explicit true/false is converted; anything else goes on to validation.
        lowered = value.lower()
        return True if lowered == "true" else False if lowered == "false" else value
    return value
