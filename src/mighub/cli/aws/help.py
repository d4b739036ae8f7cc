"""Help pages generated from the model documentation, laid out like the aws CLI's reference."""

from __future__ import annotations

import textwrap
from typing import TextIO

from botocore.model import OperationModel, Shape

from . import arguments, commands, docs, syntax

__all__ = ["USAGE", "operation_help", "service_help", "top_help"]

USAGE = (
    "usage: mighub [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
    "To see help text, you can run:\n\n"
    "  mighub help\n"
    "  mighub <command> help\n"
    "  mighub <command> <subcommand> help\n"
)

_GLOBALS = [
    ("--debug", "boolean", "Turn on debug logging."),
    (
        "--endpoint-url",
        "string",
        "Override the default URL (the local hub at http://127.0.0.1:7676 when nothing is configured) with the given URL.",
    ),
    ("--no-verify-ssl", "boolean", "Do not verify SSL certificates."),
    ("--no-paginate", "boolean", "Disable automatic pagination. Only the first page of results is returned."),
    ("--output", "string", "The formatting style for command output: json, text, table, yaml, yaml-stream."),
    ("--query", "string", "A JMESPath query to use in filtering the response data."),
    ("--profile", "string", "Use a specific profile from your credential file."),
    ("--region", "string", "The region to use. Overrides config/env settings."),
    ("--version", "string", "Display the version of this tool."),
    ("--color", "string", "Turn on/off color output: on, off, auto."),
    ("--no-sign-request", "boolean", "Do not sign requests. Credentials will not be loaded."),
    ("--ca-bundle", "string", "The CA certificate bundle to use when verifying SSL certificates."),
    ("--cli-read-timeout", "int", "The maximum socket read time in seconds. 0 blocks without timeout."),
    ("--cli-connect-timeout", "int", "The maximum socket connect time in seconds. 0 blocks without timeout."),
]


def _h(title: str) -> str:
    return f"{title.upper()}\n"


def _body(text: str, indent: int = 7) -> str:
    return textwrap.indent(text, " " * indent) if text else ""


def top_help(out: TextIO) -> None:
    out.write(_h("name") + _body("mighub -") + "\n\n")
    out.write(
        _h("description")
        + _body(
            "The aws-compatible command line of mighub, a self-hostable AWS Migration Hub. "
            "Any 'aws mgh ...' or 'aws migrationhub-config ...' command works with 'aws' replaced by 'mighub'."
        )
        + "\n\n"
    )
    out.write(_h("synopsis") + _body("mighub [options] <command> <subcommand> [parameters]") + "\n\n")
    out.write(_h("options") + _globals_text() + "\n")
    out.write(_h("available services"))
    for name in commands.SERVICES:
        out.write(_body(f"o {name}") + "\n")


def _globals_text() -> str:
    chunks = []
    for name, kind, doc in _GLOBALS:
        chunks.append(
            _body(f"{name} ({kind})")
            + "\n"
            + textwrap.fill(doc, 79, initial_indent=" " * 10, subsequent_indent=" " * 10)
        )
    return "\n\n".join(chunks) + "\n"


def service_help(service: str, out: TextIO) -> None:
    model = commands.service_model(service)
    out.write(_h("name") + _body(f"{service} -") + "\n\n")
    out.write(_h("description") + docs.render(model.documentation, indent=7) + "\n\n")
    out.write(_h("available commands"))
    for cli_name in commands.operation_names(service):
        out.write(_body(f"o {cli_name}") + "\n")
    out.write(_body("o help") + "\n")


def _type_name(shape: Shape) -> str:
    type_name: str = shape.type_name
    return type_name


def operation_help(service: str, cli_name: str, operation: OperationModel, out: TextIO) -> None:
    model_args = arguments.model_arguments(operation)
    paging_args = arguments.paging_arguments(operation)
    out.write(_h("name") + _body(f"{cli_name} -") + "\n\n")
    out.write(_h("description") + docs.render(operation.documentation, indent=7) + "\n\n")
    out.write(_body("See 'mighub help' for descriptions of global parameters.") + "\n\n")
    if paging_args:
        config = commands.paginator_config(operation) or {}
        result_key = config.get("result_key", "")
        out.write(
            _body(
                textwrap.fill(
                    f"{cli_name} is a paginated operation. Multiple API calls may be issued in order to "
                    "retrieve the entire data set of results. You can disable pagination by providing "
                    f"the --no-paginate argument. When using --output text and the --query argument on a "
                    f"paginated response, the --query argument must extract data from the results of the "
                    f"following query expressions: {result_key}",
                    72,
                )
            )
            + "\n\n"
        )

    out.write(_h("synopsis"))
    lines = [f"  {cli_name}"]
    for arg in model_args:
        if not arg.documented:
            continue
        text = f"--{arg.cli_name} | --no-{arg.cli_name}" if arg.is_boolean else f"--{arg.cli_name} <value>"
        lines.append(text if arg.required else f"[{text}]")
    lines += [f"[--{p.cli_name} <value>]" for p in paging_args]
    lines += ["[--cli-input-json | --cli-input-yaml]", "[--generate-cli-skeleton <value>]"]
    out.write(_body("\n".join("  " + line for line in lines)) + "\n\n")

    out.write(_h("options"))
    for arg in model_args:
        if not arg.documented:
            continue
        name = f"--{arg.cli_name} | --no-{arg.cli_name}" if arg.is_boolean else f"--{arg.cli_name}"
        out.write(_body(f"{name} ({_type_name(arg.shape)})") + "\n")
        out.write(docs.render(arg.shape.documentation, indent=10) + "\n\n")
        if arg.shape.type_name == "structure":
            _members(arg.shape, out, 10)
        enum = getattr(arg.shape, "enum", None)
        if enum:
            out.write(_body("Possible values:\n" + "".join(f"o {v}\n" for v in enum), 10) + "\n")
        example = syntax.shorthand_example(arg.shape)
        if example:
            out.write(_body("Shorthand Syntax:\n\n" + textwrap.indent(example, "  "), 10) + "\n\n")
        scalar_list = syntax.list_syntax(arg.shape)
        if scalar_list:
            out.write(_body("Syntax:\n\n" + textwrap.indent(scalar_list, "  "), 10) + "\n\n")
        elif arg.shape.type_name in ("structure", "list", "map"):
            out.write(_body("JSON Syntax:\n\n" + textwrap.indent(syntax.json_example(arg.shape), "  "), 10) + "\n\n")
    for page in paging_args:
        out.write(_body(f"--{page.cli_name} ({page.type_name})") + "\n")
        out.write(textwrap.fill(page.documentation, 79, initial_indent=" " * 10, subsequent_indent=" " * 10) + "\n\n")
    out.write(_body("--cli-input-json | --cli-input-yaml (string)") + "\n")
    out.write(
        _body(
            textwrap.fill(
                "Reads arguments from the JSON string provided. The JSON string follows the format provided "
                "by --generate-cli-skeleton. If other arguments are provided on the command line, those values "
                "will override the JSON-provided values.",
                69,
            ),
            10,
        )
        + "\n\n"
    )
    out.write(_body("--generate-cli-skeleton (string)") + "\n")
    out.write(
        _body(
            textwrap.fill(
                "Prints a JSON skeleton to standard output without sending an API request. If provided with "
                "no value or the value input, prints a sample input JSON that can be used as an argument for "
                "--cli-input-json. Similarly, if provided yaml-input it will print a sample input YAML that can "
                "be used with --cli-input-yaml. If provided with the value output, it validates the command "
                "inputs and returns a sample output JSON for that command.",
                69,
            ),
            10,
        )
        + "\n\n"
    )

    out.write(_h("output"))
    output = operation.output_shape
    if output is None or not output.members:
        out.write(_body("None") + "\n")
    else:
        _members(output, out, 7)


def _members(shape: Shape, out: TextIO, indent: int, depth: int = 0) -> None:
    if depth > 4:
        return
    for name, member in shape.members.items():
        out.write(_body(f"{name} -> ({_type_name(member)})", indent) + "\n")
        text = docs.render(member.documentation, indent=indent + 3)
        if text:
            out.write(text + "\n")
        out.write("\n")
        target = member.member if member.type_name == "list" else member
        if target.type_name == "structure":
            _members(target, out, indent + 3, depth + 1)
