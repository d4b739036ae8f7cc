"""The aws CLI's shorthand syntax: ``Status=IN_PROGRESS,ProgressPercent=50``.

Parsing is purely syntactic: text becomes strings, lists and dicts, and
:mod:`.coerce` then applies the model. The syntax, as the AWS CLI user guide documents it
and the aws CLI accepts it::

    members  := member ("," member)*
    member   := key ["@"] "=" value           key: letters, digits and - _ . # / :
    value    := "[" items "]" | "{" pairs "}" | word ("," word)*
    items    := [item ("," item)*] [","]       item: "[" items "]" | "{" pairs "}" | word
    pairs    := [key ["@"] "=" item ("," ...)*] [","]
    word     := 'single' | "double" | bare text

Bare text may hold spaces (trailing ones are dropped) and ``\\,`` for a comma. A word
after a comma in a ``value`` cannot hold ``=``: ``a=b,c=d`` is two members, ``a=b,c`` a
list. A first word may hold ``=``, ``[`` and ``{`` but not ``]`` or ``}``. In quotes,
``\\'`` (or ``\\"``) is the quote and ``\\\\`` a backslash. ``key@=file://path`` reads the
values of that key from files.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

__all__ = ["ShorthandError", "parse", "supports_shorthand"]

_KEY = frozenset(string.ascii_letters + string.digits + "-_.#/:")
_BLANK = frozenset(string.whitespace)  # skipped between tokens (ASCII only, as the aws CLI)
_NEVER_BARE = frozenset("'\",")
_NO_START = frozenset("=[{")
_FIRST_STOPS = frozenset("]}")  # a key's first word ends at a closing bracket...
_LATER_STOPS = frozenset("=")  # ...a later list word at "=" (it is the next key)

Loader = Callable[[str], Any]


class ShorthandError(ValueError):
    """The value is not valid shorthand; the message shows where, with a caret."""


def _caret(text: str, index: int) -> str:
    """``text`` with a line holding ``^`` under ``index``, after the line it falls on."""
    lines = text.split("\n")
    row = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return "\n".join([*lines[: row + 1], " " * column + "^", *lines[row + 1 :]])


def _syntax_error(text: str, index: int, expected: str, found: str | None = None) -> ShorthandError:
    if found is None:
        found = text[index] if index < len(text) else "EOF"
    return ShorthandError(f"Expected: '{expected}', received: '{found}' for input:\n{_caret(text, index)}")


def _bare_char(char: str) -> bool:
    # Control characters are never part of a word, except as whitespace.
    return char not in _NEVER_BARE and (char >= "!" or char.isspace())


class _Reader:
    """A cursor over the text with the few token readers the grammar needs."""

    def __init__(self, text: str, load: Loader | None) -> None:
        self.text = text
        self.pos = 0
        self.load = load

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _BLANK:
            self.pos += 1

    def take(self, char: str) -> None:
        """Consume ``char`` with the blanks around it, or fail naming what is there."""
        self.blanks()
        if self.peek() != char:
            raise _syntax_error(self.text, self.pos, char)
        self.pos += 1
        self.blanks()

    def key(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _KEY:
            self.pos += 1
        return self.text[start : self.pos]

    def word(self, stops: frozenset[str], files: bool) -> str | None:
        """A quoted or bare word at the cursor; None (cursor unmoved) when there is none."""
        char = self.peek()
        value: str | None
        if char in ("'", '"'):
            value = self._quoted(char)
        else:
            value = self._bare(stops)
            if value is None:
                return None
        if files and self.load is not None:
            loaded: str = self.load(value)
            return loaded
        return value

    def _bare(self, stops: frozenset[str]) -> str | None:
        text, start = self.text, self.pos
        chars: list[str] = []
        i = start
        while i < len(text):
            char = text[i]
            if char == "\\" and text.startswith(",", i + 1):
                chars.append(",")
                i += 2
                continue
            if not _bare_char(char) or (char in _NO_START or char <= " " if i == start else char in stops):
                break
            chars.append(char)
            i += 1
        if i == start:
            return None
        self.pos = i
        return "".join(chars).rstrip()

    def _quoted(self, quote: str) -> str:
        text, start = self.text, self.pos
        escaped = "\\" + quote
        i, end, last_escaped = start + 1, -1, -1
        while i < len(text):
            if text.startswith(escaped, i):
                last_escaped = i + 1
                i += 2
            elif text[i] == quote:
                end = i
                break
            else:
                i += 1
        # With no plain closing quote, the last escaped one closes the string.
        if end < 0:
            end = last_escaped
        if end < 0:
            kind = "singled" if quote == "'" else "double"
            raise _syntax_error(text, start, f"<{kind} quoted>", "<none>")
        self.pos = end + 1
        return text[start + 1 : end].replace(escaped, quote).replace("\\\\", "\\")


class _Parser:
    def __init__(self, text: str, load: Loader | None) -> None:
        self.r = _Reader(text, load)

    def members(self) -> dict[str, Any]:
        r = self.r
        result: dict[str, Any] = {}
        while True:
            start = r.pos
            key, value = self.member()
            if key in result:
                raise ShorthandError(
                    f'Second instance of key "{key}" encountered for input:\n{_caret(r.text, start)}\n'
                    'This is often because there is a preceding "," instead of a space.'
                )
            result[key] = value
            if r.at_end():
                return result
            r.take(",")

    def member(self) -> tuple[str, Any]:
        key, files = self.key_and_equals()
        r = self.r
        if r.at_end():
            return key, ""
        if r.peek() in ("[", "{"):
            return key, self.item(files)
        return key, self.word_list(files)

    def key_and_equals(self) -> tuple[str, bool]:
        r = self.r
        key = r.key()
        r.blanks()
        files = r.peek() == "@"
        if files:
            r.pos += 1
        r.take("=")
        return key, files

    def word_list(self, files: bool) -> Any:
        """``a`` or ``a,b,c`` after ``key=``; the list ends where a word is no list item."""
        r = self.r
        first = r.word(_FIRST_STOPS, files)
        words = ["" if first is None else first]
        r.blanks()
        while r.peek() == ",":
            r.take(",")
            if r.at_end():
                raise _syntax_error(r.text, r.pos, "<second>", "<none>")
            try:
                word = r.word(_LATER_STOPS, files)
            except ShorthandError:
                word = None
            if word is not None:
                r.blanks()
            if word is None or not (r.at_end() or r.peek() == ","):
                # Not a list item but the next member: the list ended at the last comma.
                r.pos = r.text.rindex(",", 0, r.pos + 1)
                break
            words.append(word)
        return words[0] if len(words) == 1 else words

    def item(self, files: bool) -> Any:
        r = self.r
        if r.peek() == "[":
            return self.bracketed("[", "]", lambda: self.item(files))
        if r.peek() == "{":
            pairs: dict[str, Any] = {}

            def pair() -> None:
                key, own_files = self.key_and_equals()
                pairs[key] = self.item(own_files)

            self.bracketed("{", "}", pair)
            return pairs
        word = r.word(_FIRST_STOPS, files)
        return "" if word is None else word

    def bracketed(self, opening: str, closing: str, element: Callable[[], Any]) -> list[Any]:
        r = self.r
        r.take(opening)
        items: list[Any] = []
        while r.peek() != closing:
            items.append(element())
            r.blanks()
            if r.peek() != closing:
                r.take(",")
        r.pos += 1
        return items


def parse(text: str, load_file: Loader | None = None) -> dict[str, Any]:
    """Parse shorthand into strings, lists and dicts (no model involved yet).

    ``load_file`` resolves the values of ``key@=`` members (``file://path``); it returns
    a value that names no file unchanged.
    """
    return _Parser(text, load_file).members()


def supports_shorthand(shape: Shape) -> bool:
    """Structures, maps and lists of those take shorthand; scalars and lists of scalars do not."""
    if shape.type_name in ("structure", "map"):
        return not getattr(shape, "is_document_type", False)
    return shape.type_name == "list" and shape.member.type_name in ("structure", "list", "map")
