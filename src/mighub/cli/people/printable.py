"""Untrusted text made safe to show a person.

Stream and task names, status details and the hub's messages come from whoever
called the hub: a name may hold a newline (a forged row in piped output), a tab
(a forged column), an escape sequence (a rewritten terminal) or a bidirectional
override (text that reads other than it is). Every such character is shown as
a visible escape instead, in every output mode but JSON, whose encoder escapes
them already.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Control, format (bidi overrides, zero-width joiners), surrogate, private-use
# and unassigned code points, and line or paragraph separators: none prints as
# itself.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@lru_cache(maxsize=1024)
def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str | None) -> str:
    """``text`` with every character that would not print as itself escaped."""
    if not text:
        return ""
    if text.isprintable() and text.isascii():  # the common case, at C speed
        return text
    return "".join(_escape(char) if unicodedata.category(char) in _UNPRINTABLE else char for char in text)
