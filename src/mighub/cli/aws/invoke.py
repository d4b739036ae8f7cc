"""One operation from command line to printed response.

parse options -> unpack values -> merge ``--cli-input-*`` -> skeleton or required check
-> call (paginated when the model has a paginator) -> format.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel

from . import arguments, cliinput, skeleton
from .arguments import ModelArgument, PagingArgument
from .errors import CommandLineError, ConfigurationError
from .globals import OUTPUT_FORMATS, GlobalOptions
from .output import write_response

__all__ = ["run_operation"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CommandLineError(message, usage=True)


def _parse(
    operation: OperationModel, argv: list[str]
) -> tuple[argparse.Namespace, list[ModelArgument], list[PagingArgument]]:
    model_args = arguments.model_arguments(operation)
    paging_args = arguments.paging_arguments(operation)
    parser = _Parser(add_help=False, prog="mighub")
    arguments.add_to_parser(parser, model_args, paging_args)
    ns, unknown = parser.parse_known_args(argv)
    if unknown:
        raise CommandLineError(f"Unknown options: {', '.join(unknown)}", usage=True)
    return ns, model_args, paging_args


def _paging_config(ns: argparse.Namespace, paging_args: list[PagingArgument]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for page in paging_args:
        raw = getattr(ns, page.dest)
        if raw is None:
            continue
        if page.type_name in ("integer", "long"):
            try:
                raw = int(raw)
            except ValueError:
                raise CommandLineError(f"argument --{page.cli_name}: invalid int value: '{raw}'", usage=True) from None
        config[page.config_key] = raw
    return config


def _output_format(opts: GlobalOptions, conn: Any | None) -> str:
    fmt = opts.output or os.environ.get("AWS_DEFAULT_OUTPUT")
    if not fmt and conn is not None:
        fmt = conn.config_value("output")
    fmt = fmt or "json"
    if fmt not in OUTPUT_FORMATS:
        raise ConfigurationError(f"Unknown output type: {fmt}. Valid values are: {', '.join(OUTPUT_FORMATS)}")
    return fmt


def run_operation(service: str, operation: OperationModel, argv: list[str], opts: GlobalOptions) -> int:
    ns, model_args, paging_args = _parse(operation, argv)
    from .unpack import unpack

    params: dict[str, Any] = {}
    for arg in model_args:
        raw = getattr(ns, arg.dest)
        if raw is not None:
            params[arg.member] = unpack(arg, raw)
    document = cliinput.load_input(ns.cli_input_json, ns.cli_input_yaml)

    wanted = ns.generate_cli_skeleton
    if wanted is not None and wanted not in arguments.SKELETON_CHOICES:
        choices = ", ".join(repr(c) for c in arguments.SKELETON_CHOICES)
        raise CommandLineError(
            f"argument --generate-cli-skeleton: invalid choice: '{wanted}' (choose from {choices})", usage=True
        )
    if wanted == "input":
        sys.stdout.write(skeleton.to_json(skeleton.input_skeleton(operation)) + "\n")
        return 0
    if wanted == "yaml-input":
        sys.stdout.write(skeleton.yaml_input_skeleton(operation))
        return 0

    if document is None:
        missing = ["--" + a.cli_name for a in model_args if a.required and a.member not in params]
        if missing:
            raise CommandLineError(f"the following arguments are required: {', '.join(missing)}", usage=True)
    params = cliinput.merge(params, document)

    paging = _paging_config(ns, paging_args)
    hidden = set(arguments.paging_tokens(operation))
    paginate = bool(paging_args) and opts.paginate and not (hidden & set(params))
    if paging and not paginate:
        used = ", ".join("--" + p.cli_name for p in paging_args if p.config_key in paging)
        raise CommandLineError(f"Cannot specify --no-paginate along with pagination arguments: {used}")

    if wanted == "output":
        return _output_skeleton(operation, params, opts)

    from .client import Connection

    conn = Connection(opts)
    fmt = _output_format(opts, conn)
    client = conn.client(service)
    method = xform_name(operation.name)
    response: Any
    if paginate:
        if paging:
            params["PaginationConfig"] = paging
        response = client.get_paginator(method).paginate(**params)
    else:
        response = getattr(client, method)(**params)
    write_response(operation.name, response, opts, fmt)
    return 0


def _output_skeleton(operation: OperationModel, params: dict[str, Any], opts: GlobalOptions) -> int:
    # Validate as a real call would, then print a sample response without calling the hub.
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(params, operation.input_shape) if operation.input_shape else None
    if report is not None and report.has_errors():
        from botocore.exceptions import ParamValidationError

        raise ParamValidationError(report=report.generate_report())
    fmt = _output_format(opts, None)
    write_response(operation.name, skeleton.output_skeleton(operation), opts, fmt)
    return 0
