"""Command-line text to the Python value its model shape asks for.

One rule for every scalar, whether it is a whole option (``--next-update-seconds 60``) or
a value inside shorthand (``ProgressPercent=50``): numbers become numbers (``int()`` and
``float()``, whose errors say what was wrong), ``true``/``false`` become booleans, and
everything else stays text for botocore (timestamps, blobs) or its validation to judge.
"""

from __future__ import annotations

from typing import Any

from botocore.model import Shape

__all__ = ["apply_model", "from_text"]


def from_text(shape: Shape, text: str) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        return int(text)
    if kind in ("float", "double"):
        return float(text)
    if kind == "boolean":
        # Anything but true/false goes on to validation, which names the member.
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


def apply_model(value: Any, shape: Shape) -> Any:
    """Parsed shorthand (strings, lists, dicts) with its scalars converted and lone values
    under a list member made one-item lists, as the aws CLI reads a line from its docs."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        return {k: apply_model(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if kind == "list":
        items = value if isinstance(value, list) else [value]
        return [apply_model(item, shape.member) for item in items]
    if kind == "map":
        if not isinstance(value, dict):
            return value
        return {k: apply_model(v, shape.value) for k, v in value.items()}
    return from_text(shape, value) if isinstance(value, str) else value
