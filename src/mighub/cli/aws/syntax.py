"""The "Shorthand Syntax" and "JSON Syntax" examples of an option, as the aws CLI documents them."""

from __future__ import annotations

from botocore.model import Shape

from .shorthand import supports_shorthand

__all__ = ["shorthand_example", "json_example", "list_syntax"]

_SCALARS = {"string", "integer", "long", "float", "double", "boolean", "timestamp", "blob"}
_MAX_DEPTH = 3


class _TooComplex(Exception):
    pass


def shorthand_example(shape: Shape) -> str | None:
    """None when the option takes no shorthand (or it would be too deep to be useful)."""
    if not supports_shorthand(shape):
        return None
    try:
        if shape.type_name == "list":
            return _short(shape.member, []) + " ..."
        return _short(shape, [])
    except _TooComplex:
        return None


def _short(shape: Shape, stack: list[str]) -> str:
    if len(stack) > _MAX_DEPTH:
        raise _TooComplex
    kind = shape.type_name
    if kind == "structure":
        parts = []
        for name, member in shape.members.items():
            if stack.count(member.name):
                parts.append(f"{name}=( ... recursive ... )")
                continue
            stack.append(member.name)
            try:
                parts.append(f"{name}={_short(member, stack)}")
            finally:
                stack.pop()
        inner = ",".join(parts)
        return inner if not stack else "{" + inner + "}"
    if kind == "list":
        stack.append(shape.member.name)
        try:
            element = _short(shape.member, stack)
        finally:
            stack.pop()
        if shape.member.type_name in ("structure", "list", "map") or len(stack) > 1:
            return f"[{element},{element}]"
        return f"{element},{element}"
    if kind == "map":
        stack.append(shape.value.name)
        try:
            value = _short(shape.value, stack)
        finally:
            stack.pop()
        start = f"KeyName1={value},KeyName2={value}"
        return "{" + start + "}" if stack else start
    return kind


def _value_name(shape: Shape, enums: bool = True) -> str:
    if shape.type_name == "string":
        if getattr(shape, "enum", None) and enums:
            return "|".join(f'"{c}"' for c in shape.enum)
        return '"string"'
    if shape.type_name == "boolean":
        return "true|false"
    return shape.type_name


def list_syntax(shape: Shape) -> str | None:
    """Lists of scalars are given as space-separated values: ``"string" "string" ...``."""
    if shape.type_name == "list" and shape.member.type_name in _SCALARS:
        kind = _value_name(shape.member, enums=False)
        text = f"{kind} {kind} ..."
        if getattr(shape.member, "enum", None):
            text += "\n\nWhere valid values are:\n" + "".join(f"    {v}\n" for v in shape.member.enum)
        return text
    return None


def json_example(shape: Shape) -> str:
    lines: list[str] = [""]
    _json(shape, [], lines, 0)
    return "\n".join(lines)


def _write(lines: list[str], text: str) -> None:
    lines[-1] += text


def _newline(lines: list[str], indent: int) -> None:
    lines.append("  " * indent)


def _json(shape: Shape, stack: list[str], lines: list[str], indent: int) -> None:
    if shape.name in stack and stack.count(shape.name) > 1:
        if shape.type_name == "structure":
            _write(lines, "{ ... recursive ... }")
        return
    stack.append(shape.name)
    try:
        kind = shape.type_name
        if kind == "list":
            _write(lines, "[")
            if shape.member.type_name in _SCALARS:
                _write(lines, f"{_value_name(shape.member)}, ...")
            else:
                _newline(lines, indent + 1)
                _json(shape.member, stack, lines, indent + 1)
                _newline(lines, indent + 1)
                _write(lines, "...")
                _newline(lines, indent)
            _write(lines, "]")
        elif kind == "map":
            _write(lines, "{")
            _write(lines, f"{_value_name(shape.key)}: ")
            if shape.value.type_name in _SCALARS:
                _write(lines, _value_name(shape.value))
            else:
                _json(shape.value, stack, lines, indent + 2)
            _newline(lines, indent + 1)
            _write(lines, "...")
            _write(lines, "}")
        elif kind == "structure":
            _write(lines, "{")
            _newline(lines, indent + 1)
            members = list(shape.members.items())
            for i, (name, member) in enumerate(members):
                if member.type_name in _SCALARS:
                    _write(lines, f'"{name}": {_value_name(member)}')
                else:
                    _write(lines, f'"{name}": ')
                    _json(member, stack, lines, indent + 1)
                if i < len(members) - 1:
                    _write(lines, ",")
                    _newline(lines, indent + 1)
            _newline(lines, indent)
            _write(lines, "}")
        else:
            _write(lines, _value_name(shape))
    finally:
        stack.pop()
