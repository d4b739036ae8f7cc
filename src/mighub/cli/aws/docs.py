"""The models' HTML documentation as plain text, for help pages and YAML comments."""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser

__all__ = ["first_sentence", "render", "to_paragraphs"]

_BLOCKS = {"p", "ul", "ol", "li", "note", "important", "div", "br", "dl", "dt", "dd"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []

    def _flush(self) -> None:
        if "".join(self.current).strip() == "*":
            return  # a list item whose text sits in a nested <p>: keep the bullet for it
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._flush()
            if tag == "li":
                self.current.append("* ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def to_paragraphs(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return parser.paragraphs


def first_sentence(html: str) -> str:
    paragraphs = to_paragraphs(html)
    if not paragraphs:
        return ""
    text = paragraphs[0]
    match = re.search(r"(?<=[.!?])\s", text)
    return text[: match.start()] if match else text


def render(html: str, indent: int = 0, width: int = 79) -> str:
    pad = " " * indent
    blocks = []
    for para in to_paragraphs(html):
        sub = "  " if para.startswith("* ") else ""
        blocks.append(textwrap.fill(para, width=width, initial_indent=pad, subsequent_indent=pad + sub))
    return "\n\n".join(blocks)
