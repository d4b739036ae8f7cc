"""Skeletons for ``--generate-cli-skeleton``: sample input (JSON or commented YAML) and
sample output, generated from the shapes like botocore's ``ArgumentGenerator``.

Enums take their first value (botocore picks one at random) so the output is stable.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from botocore.model import OperationModel, Shape

from .docs import first_sentence

__all__ = ["input_skeleton", "output_skeleton", "yaml_input_skeleton", "to_json"]

_EPOCH = datetime.datetime(1970, 1, 1, 0, 0, 0)


def _generate(shape: Shape, stack: list[str], name: str, member_names: bool) -> Any:
    stack.append(shape.name)
    try:
        kind = shape.type_name
        if kind == "structure":
            if stack.count(shape.name) > 1:
                return {}
            return {
                member: _generate(sub, stack, member, member_names) for member, sub in shape.members.items()
            }
        if kind == "list":
            if stack.count(shape.name) > 1:
                return []
            return [_generate(shape.member, stack, name, member_names)]
        if kind == "map":
            if stack.count(shape.name) > 1:
                return {}
            key = _generate(shape.key, stack, name, member_names)
            return {key: _generate(shape.value, stack, name, member_names)}
        if kind == "string":
            if member_names:
                return name
            enum = getattr(shape, "enum", None)
            return enum[0] if enum else ""
        if kind in ("integer", "long"):
            return 0
        if kind in ("float", "double"):
            return 0.0
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return _EPOCH
        if kind == "blob":
            return b""
        return None
    finally:
        stack.pop()


def input_skeleton(operation: OperationModel) -> dict[str, Any]:
    shape = operation.input_shape
    return {} if shape is None else _generate(shape, [], "", member_names=False)


def output_skeleton(operation: OperationModel) -> dict[str, Any]:
    shape = operation.output_shape
    return {} if shape is None else _generate(shape, [], "", member_names=True)


def _encode(obj: Any) -> Any:
    if isinstance(obj, datetime.datetime):
        return obj.isoformat()
    if isinstance(obj, bytes):
        import base64

        return base64.b64encode(obj).decode("utf-8")
    raise TypeError(f"Encountered unrecognized type in JSON encoder: {type(obj)!r}")


def to_json(value: Any) -> str:
    return json.dumps(value, indent=4, default=_encode, ensure_ascii=False)


# -- commented YAML ----------------------------------------------------------------

def _comment(shape: Shape, required: bool) -> str:
    parts = []
    if required:
        parts.append("[REQUIRED]")
    doc = first_sentence(shape.documentation or "")
    if doc:
        parts.append(doc)
    enum = getattr(shape, "enum", None)
    if enum:
        parts.append("Valid values are: " + ", ".join(enum) + ".")
    return " ".join(parts)


def _yaml_scalar(value: Any) -> str:
    import yaml

    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text: str = yaml.safe_dump(value, default_flow_style=True, width=10**9)
    return text.removesuffix("\n...\n").strip()


def _yaml_lines(shape: Shape, value: Any, indent: int, lines: list[str], prefix: str) -> None:
    """Append ``value`` (a skeleton of ``shape``) as YAML lines; ``prefix`` starts the first line."""
    pad = "  " * indent
    if shape.type_name == "structure" and isinstance(value, dict):
        required = set(shape.required_members)
        first = True
        for name, member in shape.members.items():
            if name not in value:
                continue
            lead = prefix if first else pad
            first = False
            comment = _comment(member, name in required)
            suffix = f"  # {comment}" if comment else ""
            sub = value[name]
            if member.type_name in ("structure", "list", "map") and sub not in ({}, []):
                lines.append(f"{lead}{name}:{suffix}")
                _yaml_lines(member, sub, indent + 1, lines, "  " * (indent + 1))
            else:
                lines.append(f"{lead}{name}: {_yaml_scalar(sub)}{suffix}")
        if first:
            lines.append(f"{prefix}{{}}")
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            if shape.member.type_name in ("structure", "map") and item:
                _yaml_lines(shape.member, item, indent + 1, lines, f"{pad}- ")
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, sub in value.items():
            lines.append(f"{pad}{key or 'KeyName'}: {_yaml_scalar(sub)}")
    else:
        lines.append(f"{prefix}{_yaml_scalar(value)}")


def yaml_input_skeleton(operation: OperationModel) -> str:
    shape = operation.input_shape
    if shape is None or not shape.members:
        return "{}\n"
    lines: list[str] = []
    _yaml_lines(shape, input_skeleton(operation), 0, lines, "")
    return "\n".join(lines) + "\n"
