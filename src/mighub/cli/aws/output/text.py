"""``--output text``: tab-separated lines, the aws CLI's exact layout.

Scalars of a dict go on one line in key order; nested lists and dicts follow on their
own lines prefixed by their key in upper case.
"""

from __future__ import annotations

from typing import Any, TextIO

__all__ = ["format_text"]


def format_text(data: Any, stream: TextIO) -> None:
    _format(data, stream)


def _format(item: Any, stream: TextIO, identifier: str | None = None, scalar_keys: list[str] | None = None) -> None:
    if isinstance(item, dict):
        _format_dict(scalar_keys, item, identifier, stream)
    elif isinstance(item, list):
        _format_list(item, identifier, stream)
    else:
        stream.write(f"{item}\n")


def _format_list(item: list[Any], identifier: str | None, stream: TextIO) -> None:
    if not item:
        return
    if any(isinstance(el, dict) for el in item):
        keys = _all_scalar_keys(item)
        for element in item:
            _format(element, stream, identifier, keys)
    elif any(isinstance(el, list) for el in item):
        scalars = [el for el in item if not isinstance(el, (list, dict))]
        others = [el for el in item if isinstance(el, (list, dict))]
        if scalars:
            _format_scalar_list(scalars, identifier, stream)
        for other in others:
            _format(other, stream, identifier)
    else:
        _format_scalar_list(item, identifier, stream)


def _format_scalar_list(elements: list[Any], identifier: str | None, stream: TextIO) -> None:
    if identifier is not None:
        for el in elements:
            stream.write(f"{identifier.upper()}\t{el}\n")
    else:
        stream.write("\t".join(str(el) for el in elements) + "\n")


def _format_dict(scalar_keys: list[str] | None, item: dict[str, Any], identifier: str | None, stream: TextIO) -> None:
    scalars: list[str] = []
    nested: list[tuple[str, Any]] = []
    if scalar_keys is None:
        for key, value in sorted(item.items()):
            if isinstance(value, (dict, list)):
                nested.append((key, value))
            else:
                scalars.append(str(value))
    else:
        scalars = [str(item.get(key, "")) for key in scalar_keys]
        nested = [(key, item[key]) for key in sorted(set(item) - set(scalar_keys))]
    if scalars:
        if identifier is not None:
            scalars.insert(0, identifier.upper())
        stream.write("\t".join(scalars) + "\n")
    for key, value in nested:
        _format(value, stream, key)


def _all_scalar_keys(items: list[Any]) -> list[str]:
    seen: set[str] = set()
    for element in items:
        if isinstance(element, dict):
            seen.update(k for k, v in element.items() if not isinstance(v, (dict, list)))
    return sorted(seen)
