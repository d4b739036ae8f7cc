"""The help pages' syntax examples and the input skeletons, in process, against the
installed aws CLI run as a black box (in process too, through the harness).

Each case runs ``aws <service> <op> help`` (or ``--generate-cli-skeleton``) once and compares
every option's "Shorthand Syntax", "JSON Syntax" and "Syntax" blocks with ours for the same
shape. Besides both mighub services, the cases take operations of other services for the
shapes Migration Hub lacks: maps (enum keys, nested maps, list values), recursion through
structures and through lists, lists of lists and nesting too deep for shorthand.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import awscli
import botocore.loaders
import pytest
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel
from cli_harness import Clis

from mighub.cli.aws import skeleton, syntax

HELP_CASES = [
    "mgh:notify-migration-task-state",
    "mgh:put-resource-attributes",
    "mgh:list-application-states",
    "mgh:associate-discovered-resource",
    "migrationhub-config:create-home-region-control",
    "dynamodb:put-item",  # a map of a structure that contains itself through maps and lists
    "dynamodb:create-table",  # lists of structures four levels deep
    "emr:modify-instance-groups",  # a list that contains itself
    "lexv2-models:create-resource-policy-statement",  # a map of maps
    "ssm:create-association",  # a list of maps of lists
    "appintegrations:create-data-integration",  # maps of lists below the top
    "appconfig:create-extension",  # a map with enum keys
    "servicecatalog:copy-product",  # a list of maps with enum keys
    "codebuild:create-webhook",  # a list of lists, lists of enums
    "amplifybackend:create-backend",  # a structure without members
    "ec2:describe-scheduled-instance-availability",  # timestamps, booleans, lists of integers
]
SKELETON_CASES = ["dynamodb:put-item", "emr:modify-instance-groups", "kinesis:put-record", "lambda:create-alias"]
_BLOCK = re.compile(r"^ {7}(Shorthand Syntax|JSON Syntax|Syntax):$")
_OPTION = re.compile(r"^ {7}--([a-z0-9-]+)")


@cache
def _models() -> botocore.loaders.Loader:
    # The models the aws CLI itself reads: its own copy of botocore's when it ships one.
    bundled = Path(awscli.__file__).parent / "botocore" / "data"
    if bundled.is_dir():
        return botocore.loaders.Loader(extra_search_paths=[str(bundled)], include_default_search_paths=False)
    return botocore.loaders.Loader()


def _operation(case: str) -> OperationModel:
    service, command = case.split(":")
    model = ServiceModel(_models().load_service_model(service, "service-2"), service)
    names = {xform_name(name, "-"): name for name in model.operation_names}
    return model.operation_model(names[command])


def _aws(clis: Clis, *args: str) -> str:
    result = clis.aws_once(*args)
    assert result.code == 0, result
    return result.stdout


def _aws_blocks(clis: Clis, case: str) -> dict[str, dict[str, str]]:
    """Option name -> block title -> block text, read from the rendered help page."""
    page = re.sub(r".\x08", "", _aws(clis, *case.split(":"), "help"))  # drop overstrike bold
    options = page.split("\nOPTIONS\n", 1)[1].split("\nGLOBAL OPTIONS\n", 1)[0].split("\n")
    blocks: dict[str, dict[str, str]] = {}
    option = ""
    i = 0
    while i < len(options):
        line = options[i]
        if found := _OPTION.match(line):
            option = found.group(1)
        if (title := _BLOCK.match(line)) and option:
            body = []
            i += 1
            while i < len(options) and (not options[i].strip() or options[i].startswith(" " * 10)):
                body.append(options[i][10:].rstrip())
                i += 1
            blocks.setdefault(option, {})[title.group(1)] = "\n".join(body).strip("\n")
            continue
        i += 1
    return blocks


def _our_blocks(operation: OperationModel) -> dict[str, dict[str, str]]:
    blocks: dict[str, dict[str, str]] = {}
    for name, shape in operation.input_shape.members.items():
        found = {}
        if (example := syntax.shorthand_example(shape)) is not None:
            found["Shorthand Syntax"] = example
        if (values := syntax.list_syntax(shape)) is not None:
            found["Syntax"] = values
        elif shape.type_name in ("structure", "list", "map"):
            found["JSON Syntax"] = syntax.json_example(shape)
        if found:
            blocks[xform_name(name, "-")] = {
                title: "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
                for title, text in found.items()
            }
    return blocks


@pytest.mark.parametrize("case", HELP_CASES)
def test_syntax_examples_as_aws_prints_them(clis: Clis, case: str) -> None:
    theirs = _aws_blocks(clis, case)
    ours = _our_blocks(_operation(case))
    assert theirs, "no syntax blocks found in the aws CLI's help page"
    assert ours == theirs


def _first_enum_values(shape: Any, value: Any) -> Any:
    """The aws CLI picks enum values at random; mighub picks the first."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _first_enum_values(shape.members[k], v) for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_first_enum_values(shape.member, v) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _first_enum_values(shape.value, v) for k, v in value.items()}
    return shape.enum[0] if getattr(shape, "enum", None) and value in shape.enum else value


@pytest.mark.parametrize("case", SKELETON_CASES)
def test_input_skeleton_as_aws_prints_it(clis: Clis, case: str) -> None:
    operation = _operation(case)
    theirs = json.loads(_aws(clis, *case.split(":"), "--generate-cli-skeleton"))
    ours = json.loads(skeleton.to_json(skeleton.input_skeleton(operation)))
    assert ours == _first_enum_values(operation.input_shape, theirs)


def test_input_skeleton_is_stable() -> None:
    operation = _operation("dynamodb:create-table")
    first = skeleton.to_json(skeleton.input_skeleton(operation))
    assert all(skeleton.to_json(skeleton.input_skeleton(operation)) == first for _ in range(5))
    assert json.loads(first)["BillingMode"] == operation.input_shape.members["BillingMode"].enum[0]
