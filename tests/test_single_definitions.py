"""Definitions written once in ``src/``: what counts as loopback (``mighub.loopback``)
and the task statuses (``mighub.models.task_statuses``, from botocore's model). A
second copy here and there drifts from the first; this fails when one appears."""

from __future__ import annotations

import ast
from pathlib import Path

import mighub
from mighub.models import service_model, task_statuses

SOURCE = Path(mighub.__file__).resolve().parent


def modules() -> dict[str, ast.Module]:
    return {str(p.relative_to(SOURCE)): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(SOURCE.rglob("*.py"))}


def test_task_statuses_are_the_models() -> None:
    assert task_statuses() == tuple(service_model("mgh").shape_for("Status").enum)
    assert set(task_statuses()) == {"NOT_STARTED", "IN_PROGRESS", "FAILED", "COMPLETED"}


def test_the_status_list_is_written_nowhere_else() -> None:
    statuses = set(task_statuses())
    copies = []
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                values = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if statuses <= values:
                    copies.append(f"{name}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "shape_for"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == "Status"
                and name != "models.py"
            ):
                copies.append(f"{name}:{node.lineno} (reads the Status shape itself)")
    assert not copies, f"task statuses restated (use mighub.models.task_statuses): {copies}"


def test_loopback_is_decided_nowhere_else() -> None:
    copies = []
    for name, tree in modules().items():
        if name == "loopback.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "is_loopback":
                copies.append(f"{name}:{node.lineno} (.is_loopback)")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.strip(".").lower() == "localhost"
            ):
                copies.append(f"{name}:{node.lineno} ('localhost')")
    assert not copies, f"loopback decided outside mighub.loopback: {copies}"
