"""The README documents every option of ``mighub serve`` and every ``MIGHUB_*``
environment variable the code reads: adding one without its documentation fails here."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import mighub
from mighub.cli.main import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SOURCE = Path(mighub.__file__).resolve().parent


def serve_table_options() -> set[str]:
    """The options named in the first column of the ``mighub serve`` section's table."""
    start = README.index("\n## `mighub serve`")
    end = README.find("\n## ", start + 1)
    section = README[start : end if end != -1 else None]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {option for cell in first_cells for option in re.findall(r"`(--[a-z0-9-]+)", cell)}


def serve_options() -> list[str]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve = commands.choices["serve"]
    return [
        option
        for action in serve._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
    ]


def environment_variables() -> set[str]:
    """Every ``MIGHUB_*`` name in the source, however it reaches ``os.environ``."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found |= set(re.findall(r"\bMIGHUB_[A-Z0-9_]+\b", node.value))
    return found


def test_every_serve_option_is_in_the_serve_table() -> None:
    options = serve_options()
    assert {"--host", "--database", "--data-dir", "--log-level"} <= set(options)  # the parser was found
    undocumented = [option for option in options if option not in serve_table_options()]
    assert not undocumented, f"options of `mighub serve` missing from the README's table: {undocumented}"


def test_every_environment_variable_is_documented() -> None:
    names = environment_variables()
    assert {"MIGHUB_DATABASE_URL", "MIGHUB_DATA_DIR"} <= names  # the scan sees what the code reads
    undocumented = sorted(name for name in names if not re.search(rf"\b{name}\b", README))
    assert not undocumented, f"environment variables missing from the README: {undocumented}"
