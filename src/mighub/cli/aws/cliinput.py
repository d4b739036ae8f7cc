"""``--cli-input-json`` and ``--cli-input-yaml``: parameters from a document.

Values given as options on the command line win over the document's, as in the aws CLI.
"""

from __future__ import annotations

import json
from typing import Any

from . import paramfile
from .errors import ParamError

__all__ = ["load_input", "merge"]


def load_input(json_text: str | None, yaml_text: str | None) -> dict[str, Any] | None:
    if json_text is not None and yaml_text is not None:
        raise ParamError("--cli-input-json", "Only one of --cli-input-json or --cli-input-yaml may be specified")
    if json_text is not None:
        return _parse("--cli-input-json", paramfile.load(json_text), _json)
    if yaml_text is not None:
        return _parse("--cli-input-yaml", paramfile.load(yaml_text), _yaml)
    return None


def _json(text: str) -> Any:
    return json.loads(text)


def _yaml(text: str) -> Any:
    import yaml  # only paid for by those who use YAML

    return yaml.safe_load(text)


def _parse(cli_name: str, text: object, parser: Any) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    kind = "JSON" if cli_name.endswith("json") else "YAML"
    try:
        data = parser(text)
    except Exception as e:
        raise ParamError(cli_name, f"Invalid {kind}: {e}\n{kind} received: {text}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamError(cli_name, f"Invalid {kind}: the document must be an object\n{kind} received: {text}")
    return data


def merge(command_line: dict[str, Any], document: dict[str, Any] | None) -> dict[str, Any]:
    if not document:
        return command_line
    merged = dict(document)
    merged.update(command_line)
    return merged
