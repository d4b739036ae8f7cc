"""Operation options derived from the input shape, as the aws CLI names and shapes them.

One ``ModelArgument`` per input member (``ProgressUpdateStream`` -> ``--progress-update-stream``);
booleans become a ``--x``/``--no-x`` pair; lists take several values. Paginated operations
gain ``--starting-token``, ``--page-size`` and ``--max-items``, and their own token and
limit members stay accepted but undocumented, as in the aws CLI.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from botocore import xform_name
from botocore.model import OperationModel, Shape

from .commands import paginator_config

__all__ = ["SKELETON_CHOICES", "ModelArgument", "PagingArgument", "model_arguments", "paging_arguments"]

SKELETON_CHOICES = ("input", "output", "yaml-input")


@dataclass(frozen=True)
class ModelArgument:
    cli_name: str  # "progress-update-stream", without the leading dashes
    member: str  # "ProgressUpdateStream"
    shape: Shape
    required: bool
    documented: bool = True

    @property
    def dest(self) -> str:
        return "arg_" + self.cli_name.replace("-", "_")

    @property
    def is_boolean(self) -> bool:
        type_name: str = self.shape.type_name
        return type_name == "boolean"

    @property
    def is_list(self) -> bool:
        type_name: str = self.shape.type_name
        return type_name == "list"


@dataclass(frozen=True)
class PagingArgument:
    cli_name: str  # "max-items"
    config_key: str  # botocore PaginationConfig key: "MaxItems"
    type_name: str  # "integer" or "string"
    documentation: str

    @property
    def dest(self) -> str:
        return "page_" + self.cli_name.replace("-", "_")


_STARTING_TOKEN_DOC = (
    "A token to specify where to start paginating. This is the NextToken from a previously truncated response."
)
_PAGE_SIZE_DOC = (
    "The size of each page to get in the AWS service call. This does not affect the number "
    "of items returned in the command's output. Setting a smaller page size results in more "
    "calls to the AWS service, retrieving fewer items in each call. This can help prevent the "
    "AWS service calls from timing out."
)
_MAX_ITEMS_DOC = (
    "The total number of items to return in the command's output. If the total number of items "
    "available is more than the value specified, a NextToken is provided in the command's "
    "output. To resume pagination, provide the NextToken value in the starting-token argument "
    "of a subsequent command. Do not use the NextToken response element directly outside of "
    "the AWS CLI."
)


def model_arguments(operation: OperationModel) -> list[ModelArgument]:
    shape = operation.input_shape
    if shape is None:
        return []
    required = set(shape.required_members)
    hidden = set(paging_tokens(operation))
    return [
        ModelArgument(xform_name(name, "-"), name, member, name in required, name not in hidden)
        for name, member in shape.members.items()
    ]


def paging_tokens(operation: OperationModel) -> list[str]:
    """The input members that the paginator drives (token and limit)."""
    config = paginator_config(operation)
    if not config:
        return []
    tokens = config["input_token"]
    names = list(tokens) if isinstance(tokens, list) else [tokens]
    if "limit_key" in config:
        names.append(config["limit_key"])
    return names


def paging_arguments(operation: OperationModel) -> list[PagingArgument]:
    config = paginator_config(operation)
    if not config:
        return []
    args = [PagingArgument("starting-token", "StartingToken", "string", _STARTING_TOKEN_DOC)]
    limit_type = "integer"
    if "limit_key" in config:
        limit_type = operation.input_shape.members[config["limit_key"]].type_name
        args.append(PagingArgument("page-size", "PageSize", limit_type, _PAGE_SIZE_DOC))
    args.append(PagingArgument("max-items", "MaxItems", limit_type, _MAX_ITEMS_DOC))
    return args


def add_to_parser(
    parser: argparse.ArgumentParser,
    model_args: list[ModelArgument],
    paging_args: list[PagingArgument],
) -> None:
    """Register every option; required ones are checked later, so that
    ``--cli-input-json`` and ``--generate-cli-skeleton`` can lift the requirement."""
    for arg in model_args:
        if arg.is_boolean:
            parser.add_argument("--" + arg.cli_name, dest=arg.dest, action="store_true", default=None)
            parser.add_argument("--no-" + arg.cli_name, dest=arg.dest, action="store_false", default=None)
        elif arg.is_list:
            parser.add_argument("--" + arg.cli_name, dest=arg.dest, nargs="*")
        else:
            parser.add_argument("--" + arg.cli_name, dest=arg.dest)
    for page in paging_args:
        parser.add_argument("--" + page.cli_name, dest=page.dest)
    parser.add_argument("--cli-input-json", dest="cli_input_json")
    parser.add_argument("--cli-input-yaml", dest="cli_input_yaml")
    parser.add_argument("--generate-cli-skeleton", dest="generate_cli_skeleton", nargs="?", const="input")
