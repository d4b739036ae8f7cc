"""The "Shorthand Syntax", "JSON Syntax" and "Syntax" examples of an option's help page.

The layout is the one the aws CLI's help pages show (``aws mgh <op> help``):

* shorthand is offered for structures with members, maps and lists of those, and only
  while no container lies more than two levels below the option's own value; a shape that
  contains itself never fits, so recursion needs no guard of its own;
* the option's value is written bare (``A=string,B=integer``), a list option as one element
  followed by `` ...``; deeper structures and maps are braced, lists of containers are
  bracketed, lists of scalars are bare right under the option's value and bracketed below;
* the JSON example is a block of lines; a shape already twice on the path from the option
  is cut short (``{ ... recursive ... }`` for a structure, nothing for anything else).
"""

from __future__ import annotations

from botocore.model import Shape

from .shorthand import supports_shorthand

__all__ = ["json_example", "list_syntax", "shorthand_example"]

_CONTAINERS = ("structure", "list", "map")
# Containers may sit at levels 0, 1 and 2 of a shorthand example (the option's value is 0).
_SHORTHAND_LEVELS = 2


def _is_container(shape: Shape) -> bool:
    return shape.type_name in _CONTAINERS


def _children(shape: Shape) -> list[Shape]:
    if shape.type_name == "structure":
        return list(shape.members.values())
    if shape.type_name == "list":
        return [shape.member]
    if shape.type_name == "map":
        return [shape.value]
    return []


def _fits(shape: Shape, levels_left: int) -> bool:
    """Whether no container of ``shape`` (itself included) lies deeper than ``levels_left``."""
    if not _is_container(shape):
        return True
    if levels_left < 0:
        return False
    return all(_fits(child, levels_left - 1) for child in _children(shape))


# -- shorthand ---------------------------------------------------------------------


def shorthand_example(shape: Shape) -> str | None:
    """The option's shorthand example, or None when the aws CLI offers none."""
    if not supports_shorthand(shape):
        return None
    value = shape.member if shape.type_name == "list" else shape
    if value.type_name == "structure" and not value.members:
        return None
    if not _fits(value, _SHORTHAND_LEVELS):
        return None
    text = _shorthand(value, 0)
    key_names = getattr(value.key, "enum", None) if value.type_name == "map" else None
    if key_names:
        # The aws CLI indents the example under this note and lists the keys after it.
        text = "  " + text + "\n\nWhere valid key names are:\n" + "".join(f"  {k}\n" for k in key_names)
    return text + " ..." if shape.type_name == "list" else text.rstrip("\n")


def _shorthand(shape: Shape, level: int) -> str:
    kind: str = shape.type_name
    if kind == "structure":
        body = ",".join(f"{name}={_shorthand(member, level + 1)}" for name, member in shape.members.items())
    elif kind == "map":
        value = _shorthand(shape.value, level + 1)
        body = f"KeyName1={value},KeyName2={value}"
    elif kind == "list":
        item = _shorthand(shape.member, level + 1)
        pair = f"{item},{item}"
        return pair if level <= 1 and not _is_container(shape.member) else f"[{pair}]"
    else:
        return kind
    return body if level == 0 else "{" + body + "}"


# -- scalar lists ------------------------------------------------------------------


def list_syntax(shape: Shape) -> str | None:
    """Lists of scalars are space-separated values: ``"string" "string" ...``."""
    if shape.type_name != "list" or _is_container(shape.member):
        return None
    word = _scalar(shape.member, enums=False)
    text = f"{word} {word} ..."
    values = getattr(shape.member, "enum", None)
    if values:
        text += "\n\nWhere valid values are:\n" + "\n".join(f"  {v}" for v in values)
    return text


def _scalar(shape: Shape, enums: bool = True) -> str:
    kind: str = shape.type_name
    if kind == "string":
        values = getattr(shape, "enum", None)
        return "|".join(f'"{v}"' for v in values) if values and enums else '"string"'
    if kind == "boolean":
        return "true|false"
    return kind


# -- JSON --------------------------------------------------------------------------

_STEP = "  "


def json_example(shape: Shape) -> str:
    return "\n".join(_json_lines(shape, ()))


def _json_lines(shape: Shape, path: tuple[str, ...]) -> list[str]:
    """The example of ``shape`` as lines; the first continues the line it starts on, the
    others are relative to that line's indentation."""
    if path.count(shape.name) >= 2:
        return ["{ ... recursive ... }" if shape.type_name == "structure" else ""]
    path = (*path, shape.name)
    kind: str = shape.type_name
    if kind == "structure":
        lines = ["{"]
        members = list(shape.members.items())
        for i, (name, member) in enumerate(members):
            block = _json_lines(member, path)
            block[0] = f'"{name}": {block[0]}'
            if i < len(members) - 1:
                block[-1] += ","
            lines += [_STEP + line for line in block]
        if not members:
            lines.append("")
        return [*lines, "}"]
    if kind == "list":
        if not _is_container(shape.member):
            return [f"[{_scalar(shape.member)}, ...]"]
        block = _json_lines(shape.member, path)
        return ["[", *(_STEP + line for line in block), _STEP + "...", "]"]
    if kind == "map":
        block = _json_lines(shape.value, path)
        head = f"{{{_scalar(shape.key)}: {block[0]}"
        return [head, *(_STEP * 2 + line for line in block[1:]), _STEP + "...}"]
    return [_scalar(shape)]
