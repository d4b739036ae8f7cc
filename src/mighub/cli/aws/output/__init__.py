"""Response formatters: json, text, table, yaml and yaml-stream, as aws CLI v2 prints them.

A response is either a dict or a botocore ``PageIterator`` (auto-pagination). Fully
buffered formats (json, table, yaml) aggregate every page first; text and yaml-stream
print page by page, so a long listing starts printing at once.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, TextIO

from ..globals import GlobalOptions
from .table import render_table
from .text import format_text

__all__ = ["write_response"]


def _is_paginated(response: Any) -> bool:
    return hasattr(response, "build_full_result")


def _strip_metadata(data: Any) -> Any:
    if isinstance(data, dict):
        data.pop("ResponseMetadata", None)
    return data


def _search(opts: GlobalOptions, data: Any) -> Any:
    return opts.query.search(data) if opts.query is not None else data


def write_response(
    command_name: str, response: Any, opts: GlobalOptions, fmt: str, stream: TextIO | None = None
) -> None:
    out = stream or sys.stdout
    try:
        if fmt == "text":
            _text(response, opts, out)
        elif fmt == "yaml-stream":
            _yaml_stream(response, opts, out)
        else:
            data = response.build_full_result() if _is_paginated(response) else response
            data = _search(opts, _strip_metadata(data))
            if fmt == "json":
                _json(data, out)
            elif fmt == "yaml":
                _yaml(data, out)
            elif fmt == "table":
                color = opts.color == "on" or (opts.color == "auto" and out.isatty())
                render_table(command_name, data, out, color)
    finally:
        with contextlib.suppress(OSError):
            out.flush()


def _json(data: Any, out: TextIO) -> None:
    from ..skeleton import to_json

    if data != {}:
        out.write(to_json(data) + "\n")


def _text(response: Any, opts: GlobalOptions, out: TextIO) -> None:
    if not _is_paginated(response):
        format_text(_search(opts, _strip_metadata(response)), out)
        return
    from botocore.utils import set_value_from_jmespath

    for i, page in enumerate(response):
        current = {} if i > 0 else response.non_aggregate_part
        for key in response.result_keys:
            set_value_from_jmespath(current, key.expression, key.search(page))
        format_text(_search(opts, current), out)
    if response.resume_token:
        format_text(_search(opts, {"NextToken": {"NextToken": response.resume_token}}), out)


def _yaml_dump(data: Any, out: TextIO) -> None:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    yaml.dump(data, out, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True)


def _yaml(data: Any, out: TextIO) -> None:
    if data != {}:
        _yaml_dump(data, out)


def _yaml_stream(response: Any, opts: GlobalOptions, out: TextIO) -> None:
    pages = response if _is_paginated(response) else [response]
    for page in pages:
        _yaml_dump([_search(opts, _strip_metadata(page))], out)
