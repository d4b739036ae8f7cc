"""Option values to parameters, in process, against the installed aws CLI run as a black box.

The aws CLI runs (in process, through the harness) with ``--debug`` against an endpoint
nobody listens on, so it parses the
command line, serialises the request and logs its body, or says why a value cannot be
read. mighub's options are read in process (``invoke`` parsing, then ``unpack``) and
serialised by botocore the same way; the two bodies, or the two messages, must agree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from cli_harness import NOWHERE, Clis

from mighub.cli.aws import invoke
from mighub.cli.aws.errors import CommandLineError
from mighub.cli.aws.unpack import unpack

_SESSION = botocore.session.get_session()
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - ")
_BODY = re.compile(r"Making request for OperationModel\(name=\w+\) with params: .*'body': b'((?:[^'\\]|\\.)*)'")

RAL = (
    "mgh",
    "put-resource-attributes",
    "--progress-update-stream",
    "s",
    "--migration-task-name",
    "t",
    "--resource-attribute-list",
)
TASK = (
    "mgh",
    "notify-migration-task-state",
    "--progress-update-stream",
    "s",
    "--migration-task-name",
    "t",
    "--update-date-time",
    "2024-05-01T10:00:00Z",
    "--next-update-seconds",
    "5",
    "--task",
)
IDS = ("mgh", "list-application-states", "--max-results", "5", "--application-ids")
OBJ = '{"Type": "FQDN", "Value": "a"}'

CASES: list[tuple[str, ...]] = [
    # lists of structures: one JSON list, JSON objects, shorthand words, and mixtures
    (*RAL, f"[{OBJ}]"),
    (*RAL, f"  [{OBJ}]  "),
    (*RAL, OBJ),
    (*RAL, OBJ, OBJ),
    (*RAL, "Type=FQDN,Value=a"),
    (*RAL, "Type=FQDN,Value=a", "Type=VM_NAME,Value=b"),
    (*RAL, OBJ, "Type=FQDN,Value=a"),
    (*RAL, "Type=FQDN,Value=a", OBJ),
    (*RAL, f"[{OBJ}]", OBJ),
    (*RAL, f"[{OBJ}]", f"[{OBJ}]"),
    (*RAL, OBJ, '{"Type": '),
    (*RAL, OBJ, '"x"'),
    (*RAL, OBJ, "[]"),
    (*RAL, '"x"'),
    (*RAL, f"[{OBJ}"),
    (*RAL, "[Type=FQDN]"),
    (*RAL, "Type=FQDN,Value=[a,b]"),
    (*RAL,),
    # structures
    (*TASK, '{"Status": "FAILED", "ProgressPercent": 5}'),
    (*TASK, '  {"Status": "FAILED"}'),
    (*TASK, "Status=FAILED,ProgressPercent=5"),
    (*TASK, '[{"Status": "FAILED"}]'),
    (*TASK, '{"Status": '),
    (*TASK, "Status"),
    (*TASK, " Status=FAILED"),
    (*TASK, '"x"'),
    # lists of scalars
    (*IDS, "a", "b"),
    (*IDS, '["a", "b"]'),
    (*IDS, '["a", "b"]', "c"),
    (*IDS, "a", '["b"]'),
    (*IDS, '["a"'),
    (*IDS, "{x}"),
    # scalars
    ("mgh", "list-migration-tasks", "--max-results", "7"),
    ("mgh", "list-migration-tasks", "--max-results", " 7 "),
    ("mgh", "list-migration-tasks", "--resource-name", '{"a": 1}'),
]

FILE_CASES: list[tuple[str, tuple[str, ...], str]] = [
    # (file contents, command line up to the value, how the value names the file)
    (f"[{OBJ}]", RAL, "file://{}"),
    (f"  [{OBJ}]\n", RAL, "file://{}"),
    ('{"Status": "COMPLETED"}', TASK, "file://{}"),
    ("Status=COMPLETED\n", TASK, "file://{}"),
    ('["a", "b"]', IDS, "file://{}"),
    ("a", IDS, "file://{}"),
]


def _aws(clis: Clis, args: tuple[str, ...]) -> tuple[str, Any]:
    proc = clis.aws_once("--debug", "--endpoint-url", NOWHERE, "--cli-connect-timeout", "1", *args)
    if found := _BODY.search(proc.stderr):
        return "body", json.loads(found.group(1).encode().decode("unicode_escape"))
    # The message follows the debug log's last line.
    lines = proc.stderr.splitlines()
    last_log = max(i for i, line in enumerate(lines) if _LOG_LINE.match(line))
    said = "\n".join(lines[last_log + 1 :]).strip()
    for start, kind in (
        ("Error parsing parameter", "error"),
        ("Parameter validation failed:", "invalid"),
        ("usage:", "usage"),
    ):
        if said.startswith(start):
            return kind, "" if kind == "usage" else said
    if proc.code == 255 and said:
        return "failed", said
    raise AssertionError(f"no request and no parse error from the aws CLI:\n{proc.stderr[-2000:]}")


def _ours(args: tuple[str, ...]) -> tuple[str, Any]:
    service, command, *argv = args
    model = _SESSION.get_service_model(service)
    operation = model.operation_model({xform_name(n, "-"): n for n in model.operation_names}[command])
    try:
        ns, model_args, _ = invoke._parse(operation, argv)
        params = {a.member: unpack(a, getattr(ns, a.dest)) for a in model_args if getattr(ns, a.dest) is not None}
    except CommandLineError as e:
        return ("usage", "") if e.usage else ("error", str(e).strip())
    report = ParamValidator().validate(params, operation.input_shape)
    if report.has_errors():
        return "invalid", "Parameter validation failed:\n" + report.generate_report()
    request = create_serializer(model.protocol, include_validation=False).serialize_to_request(params, operation)
    return "body", json.loads(request["body"] or b"{}")


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c[2:])[-60:] for c in CASES])
def test_values_read_as_aws_reads_them(clis: Clis, args: tuple[str, ...]) -> None:
    assert _ours(args) == _aws(clis, args)


@pytest.mark.parametrize(("contents", "args", "value"), FILE_CASES, ids=[c[0][:40] for c in FILE_CASES])
def test_file_values_read_as_aws_reads_them(
    clis: Clis, tmp_path: Path, contents: str, args: tuple[str, ...], value: str
) -> None:
    path = tmp_path / "value.txt"
    path.write_text(contents)
    full = (*args, value.format(path))
    assert _ours(full) == _aws(clis, full)


def test_missing_file_names_the_option(tmp_path: Path) -> None:
    kind, message = _ours((*TASK, f"file://{tmp_path}/nope.json"))
    assert kind == "error" and message.startswith("Error parsing parameter '--task': Unable to load paramfile")


# A number that is not one: the aws CLI stops with Python's bare message (exit 255);
# mighub says the same thing about the option (exit 252).
NOT_NUMBERS = [
    ((*TASK, "Status=FAILED,ProgressPercent=five"), "--task"),
    (("mgh", "list-migration-tasks", "--max-results", "seven"), "--max-results"),
]


@pytest.mark.parametrize(("args", "option"), NOT_NUMBERS, ids=[o for _, o in NOT_NUMBERS])
def test_bad_numbers_name_the_option(clis: Clis, args: tuple[str, ...], option: str) -> None:
    kind, message = _aws(clis, args)
    assert kind == "failed" and message.startswith("invalid literal for int()")
    assert _ours(args) == ("error", f"Error parsing parameter '{option}': {message}")


# A list option's file holding one item reads as that item given on the command line
# (the aws CLI takes such contents apart and fails).
@pytest.mark.parametrize("contents", [OBJ, "Type=FQDN,Value=a", f"{OBJ}\n"])
def test_list_file_reads_as_its_one_word(clis: Clis, tmp_path: Path, contents: str) -> None:
    path = tmp_path / "value.txt"
    path.write_text(contents)
    from_file = _ours((*RAL, f"file://{path}"))
    assert from_file == _ours((*RAL, contents)) == _aws(clis, (*RAL, contents))
    assert from_file[0] == "body" and from_file[1]["ResourceAttributeList"] == [{"Type": "FQDN", "Value": "a"}]
