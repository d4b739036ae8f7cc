"""IAM's ``*`` and ``?`` wildcards, matched without backtracking.

A pattern is split at its ``*`` into segments: the first must match at the
start of the value, the last at its end, and the ones between are found left to
right, each at its leftmost place after the one before (the leftmost place is
always the best one, so nothing is ever tried twice). ``?`` stands for exactly
one character. A match costs at most len(pattern) * len(value) character
comparisons, and usually one ``str.find`` per segment: a translated regex
(``.*`` per star) backtracks, and a caller who controls the value can then
make one match take seconds.
"""

from __future__ import annotations


class _Segment:
    """A star-free piece of a pattern: literal runs at fixed offsets, ``?`` between them."""

    __slots__ = ("_pieces", "length")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        pieces: list[tuple[int, str]] = []
        offset = 0
        for run in text.split("?"):
            if run:
                pieces.append((offset, run))
            offset += len(run) + 1
        self._pieces = tuple(pieces)

    def at(self, value: str, index: int) -> bool:
        """Whether the segment matches ``value`` at ``index`` (which leaves room for it)."""
        return all(value.startswith(run, index + offset) for offset, run in self._pieces)

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost index >= start where the segment matches within value[:end], or -1."""
        last = end - self.length  # the last index the segment may start at
        if last < start:
            return -1
        if not self._pieces:  # only ``?``: any place will do
            return start
        # Candidates are where the longest literal run occurs; str.find skips the rest.
        offset, run = max(self._pieces, key=lambda piece: len(piece[1]))
        found = value.find(run, start + offset, last + offset + len(run))
        while found != -1:
            if self.at(value, found - offset):
                return found - offset
            found = value.find(run, found + 1, last + offset + len(run))
        return -1


class Wildcard:
    """One compiled pattern; ``matches`` tests a whole value against it."""

    __slots__ = ("_head", "_ignore_case", "_middle", "_shortest", "_starred", "_tail", "pattern")

    def __init__(self, pattern: str, *, ignore_case: bool = False) -> None:
        self.pattern = pattern
        self._ignore_case = ignore_case
        parts = (pattern.lower() if ignore_case else pattern).split("*")
        self._starred = len(parts) > 1
        self._head = _Segment(parts[0])
        self._tail = _Segment(parts[-1])
        self._middle = tuple(_Segment(p) for p in parts[1:-1] if p)
        self._shortest = sum(len(p) for p in parts)

    def matches(self, value: str) -> bool:
        if self._ignore_case:
            value = value.lower()
        if not self._starred:
            return len(value) == self._head.length and self._head.at(value, 0)
        if len(value) < self._shortest or not self._head.at(value, 0):
            return False
        end = len(value) - self._tail.length
        if not self._tail.at(value, end):
            return False
        position = self._head.length
        for segment in self._middle:
            found = segment.find(value, position, end)
            if found == -1:
                return False
            position = found + segment.length
        return True

    # Equal when written alike: a reloaded policy compares equal to the one in force.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Wildcard):
            return NotImplemented
        return (self.pattern, self._ignore_case) == (other.pattern, other._ignore_case)

    def __hash__(self) -> int:
        return hash((self.pattern, self._ignore_case))

    def __repr__(self) -> str:
        return f"Wildcard({self.pattern!r})"
