"""Input validation, generated from botocore's service models.

For every operation of both services (mgh 2017-05-31 and migrationhub-config
2019-06-30), walk its input shape; for every constrained member, nested ones and list
elements included (required, min/max length, pattern as a full match, enum, min/max
value, list length), build a valid request and one violating value, and expect the
compiled validator to refuse it with exactly one ``InvalidInputException`` violation
naming the member path as the hub spells it (``Task.ProgressPercent``,
``ResourceAttributeList.member.1.Value``). Boundary values (exactly min/max) must pass.

In process: the requests go through the JSON 1.1 serializer to the wire form a client
sends, then to ``validate_input`` and, for the refusals, to the JSON 1.1 error body. A
sample, one case of each kind of constraint, goes over HTTP with real boto3 (its own
validation turned off) to a ``mighub serve``: the wire answers 400 with the same code and
message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
import orjson
import pytest
from botocore.exceptions import ClientError
from botocore.model import Shape, StructureShape

from e2e_helpers import error_code, error_message
from mighub.errors import InvalidInputException
from mighub.models import SERVICES
from mighub.protocol import json11
from mighub.protocol.validation import validate_input

_session = botocore.session.get_session()
OPERATIONS = {service: list(_session.get_service_model(service).operation_names) for service in SERVICES}

# Valid example values for string shapes, by shape name. Anything else falls back to a
# generic value built from the shape's own constraints.
STRING_SEEDS = {
    "ProgressUpdateStream": "valid-stream",
    "MigrationTaskName": "valid-task",
    "StatusDetail": "Copying image data",
    "Token": "abc",
    "ResourceName": "server-1",
    "HomeRegion": "us-west-2",
    "ControlId": "hrc-abcdef123456",
    "TargetId": "000000000000",
    "CreatedArtifactName": "arn:aws:ec2:us-east-1:000000000000:instance/i-0123456789abcdef0",
    "ApplicationId": "app-1",
    "ConfigurationId": "d-server-01",
    "ResourceAttributeValue": "10.0.0.7",
    "SourceResourceName": "vm-1",
}
# (operation, member) → seed, where the shared seed would interfere with other cases
MEMBER_SEEDS = {
    ("DeleteProgressUpdateStream", "ProgressUpdateStreamName"): "never-created-stream",
}
# Characters tried, in order, to break a pattern while keeping the length valid.
PATTERN_BREAKERS = [":", "/", "|", "\x01", "\n", "!", "A", " ", "é"]
# Tokens are only meaningful when the server issued them: no boundary case for them.
NO_BOUNDARY_SHAPES = {"Token"}


def _len_ok(shape: Shape, value: str) -> bool:
    m = shape.metadata
    return m.get("min", 0) <= len(value) <= m.get("max", 10**9)


def _pattern_ok(shape: Shape, value: str) -> bool:
    pattern = shape.metadata.get("pattern")
    return pattern is None or re.fullmatch(pattern, value) is not None


def valid_string(op: str, member: str, shape: Shape) -> str:
    if "enum" in shape.metadata:
        return shape.metadata["enum"][0]
    seed = MEMBER_SEEDS.get((op, member)) or STRING_SEEDS.get(shape.name)
    if seed is None:
        seed = "a" * max(1, shape.metadata.get("min", 1))
    assert _len_ok(shape, seed) and _pattern_ok(shape, seed), (shape.name, seed)
    return seed


def valid_value(op: str, member: str, shape: Shape) -> Any:
    t = shape.type_name
    if t == "string":
        return valid_string(op, member, shape)
    if t in ("integer", "long"):
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None and hi is not None:
            return (lo + hi) // 2
        return 60 if lo is None or lo <= 60 else lo
    if t == "boolean":
        return False
    if t == "timestamp":
        return datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC)
    if t == "structure":
        assert isinstance(shape, StructureShape)
        return {name: valid_value(op, name, shape.members[name]) for name in shape.required_members}
    if t == "list":
        n = max(1, shape.metadata.get("min", 1))
        return [valid_value(op, member, shape.member) for _ in range(n)]
    raise NotImplementedError(t)


@dataclass
class Case:
    service: str
    op: str
    params: dict[str, Any]
    path: str
    constraint: str
    valid: bool  # True: a boundary value that must be accepted by validation

    @property
    def id(self) -> str:
        kind = "ok" if self.valid else "bad"
        return f"{self.op}-{self.path}-{self.constraint}-{kind}"


def string_cases(op: str, member: str, shape: Shape) -> list[tuple[str, Any, bool]]:
    """(constraint, value, valid) for one string shape."""
    m = shape.metadata
    out: list[tuple[str, Any, bool]] = []
    if "enum" in m:
        out.append(("enum", "NOT_A_VALID_" + m["enum"][0], False))
        out.append(("enum-lowercase", m["enum"][0].lower(), False))
        return out
    seed = valid_string(op, member, shape)
    lo, hi = m.get("min"), m.get("max")
    if lo:
        short = seed[: lo - 1]
        out.append(("min-length", short, False))
    if hi is not None:
        long = seed + seed[-1] * (hi + 1 - len(seed))
        out.append(("max-length", long, False))
    if "pattern" in m:
        mid = len(seed) // 2
        for ch in PATTERN_BREAKERS:
            candidate = seed[:mid] + ch + seed[mid + 1 :]
            if _len_ok(shape, candidate) and not _pattern_ok(shape, candidate):
                out.append(("pattern", candidate, False))
                break
        else:
            raise AssertionError(f"no pattern violation found for {shape.name}")
    if shape.name not in NO_BOUNDARY_SHAPES:
        if lo:
            at_min = seed[:lo]
            if _len_ok(shape, at_min) and _pattern_ok(shape, at_min):
                out.append(("min-length", at_min, True))
        if hi is not None:
            at_max = seed + seed[-1] * (hi - len(seed))
            if _pattern_ok(shape, at_max) and not (lo and at_max == seed[:lo]):
                out.append(("max-length", at_max, True))
    return out


def number_cases(shape: Shape) -> list[tuple[str, Any, bool]]:
    m = shape.metadata
    out: list[tuple[str, Any, bool]] = []
    if "min" in m:
        out += [("min-value", m["min"] - 1, False), ("min-value", m["min"], True)]
    if "max" in m:
        out += [("max-value", m["max"] + 1, False), ("max-value", m["max"], True)]
    return out


Found = tuple[Any, list[str], str, bool]  # (value, path below the shape, constraint, valid)


def shape_cases(op: str, member: str, shape: Shape, base: Any) -> list[Found]:
    """Every constraint case of ``shape``, each a whole value of it built on ``base``."""
    t = shape.type_name
    if t == "string":
        return [(value, [], constraint, valid) for constraint, value, valid in string_cases(op, member, shape)]
    if t in ("integer", "long"):
        return [(value, [], constraint, valid) for constraint, value, valid in number_cases(shape)]
    if t == "structure":
        assert isinstance(shape, StructureShape)
        out: list[Found] = []
        for name, child in shape.members.items():
            if name in shape.required_members:
                out.append(({k: v for k, v in base.items() if k != name}, [name], "required", False))
            # an optional member absent from the base is made present and valid
            child_base = base[name] if name in base else valid_value(op, name, child)
            for value, below, constraint, valid in shape_cases(op, name, child, child_base):
                out.append(({**base, name: value}, [name, *below], constraint, valid))
        return out
    if t == "list":
        m = shape.metadata
        item = base[0]
        found: list[Found] = []
        if m.get("min"):
            found.append(([item] * (m["min"] - 1), [], "list-min-length", False))
        if "max" in m:
            found.append(([item] * (m["max"] + 1), [], "list-max-length", False))
        # the first element's own cases, named as the hub names list elements
        for value, below, constraint, valid in shape_cases(op, member, shape.member, item):
            found.append(([value, *base[1:]], ["member", "1", *below], constraint, valid))
        return found
    return []


def walk(service: str, op: str) -> list[Case]:
    shape = _session.get_service_model(service).operation_model(op).input_shape
    if shape is None:
        return []
    base = valid_value(op, "", shape)
    return [
        Case(service, op, params, ".".join(path), constraint, valid)
        for params, path, constraint, valid in shape_cases(op, "", shape, base)
    ]


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for service, ops in OPERATIONS.items():
        for op in ops:
            cases += walk(service, op)
    return cases


CASES = all_cases()
BAD = [c for c in CASES if not c.valid]
GOOD = [c for c in CASES if c.valid]


def input_shape(service: str, op: str) -> Shape | None:
    return _session.get_service_model(service).operation_model(op).input_shape


def on_the_wire(params: dict[str, Any]) -> Any:
    """``params`` as a client sends them: JSON 1.1, timestamps as epoch seconds."""
    return orjson.loads(json11.dump(params))


def validate(case: Case) -> dict[str, Any]:
    return validate_input(input_shape(case.service, case.op), on_the_wire(case.params))


def refusal(case: Case) -> InvalidInputException:
    with pytest.raises(InvalidInputException) as exc:
        validate(case)
    return exc.value


# -- the generator itself ---------------------------------------------------------------
def test_generator_covers_the_model() -> None:
    """Sanity of the generator: every operation of both models, and the known constraints."""
    assert sum(len(ops) for ops in OPERATIONS.values()) == 25
    constrained = {op for ops in OPERATIONS.values() for op in ops} - {"GetHomeRegion"}  # it takes no input
    assert {c.op for c in BAD} == constrained
    ids = {c.id for c in BAD}
    for expected in [
        "NotifyMigrationTaskState-Task.ProgressPercent-max-value-bad",
        "NotifyMigrationTaskState-Task.ProgressPercent-min-value-bad",
        "NotifyMigrationTaskState-Task.Status-enum-bad",
        "NotifyMigrationTaskState-Task.Status-required-bad",
        "NotifyMigrationTaskState-Task.StatusDetail-max-length-bad",
        "NotifyMigrationTaskState-NextUpdateSeconds-min-value-bad",
        "NotifyMigrationTaskState-UpdateDateTime-required-bad",
        "NotifyMigrationTaskState-Task-required-bad",
        "NotifyMigrationTaskState-MigrationTaskName-pattern-bad",
        "CreateProgressUpdateStream-ProgressUpdateStreamName-pattern-bad",
        "CreateProgressUpdateStream-ProgressUpdateStreamName-max-length-bad",
        "ListMigrationTasks-MaxResults-max-value-bad",
        "ListMigrationTasks-ResourceName-min-length-bad",
        "CreateHomeRegionControl-Target.Type-enum-bad",
        "CreateHomeRegionControl-Target.Id-min-length-bad",
        "CreateHomeRegionControl-HomeRegion-pattern-bad",
        "DescribeHomeRegionControls-ControlId-pattern-bad",
        "DeleteHomeRegionControl-ControlId-required-bad",
        "AssociateCreatedArtifact-CreatedArtifact.Name-pattern-bad",
        "AssociateCreatedArtifact-CreatedArtifact.Description-max-length-bad",
        "AssociateDiscoveredResource-DiscoveredResource.ConfigurationId-required-bad",
        "AssociateSourceResource-SourceResource.Name-max-length-bad",
        "PutResourceAttributes-ResourceAttributeList-list-min-length-bad",
        "PutResourceAttributes-ResourceAttributeList-list-max-length-bad",
        "PutResourceAttributes-ResourceAttributeList.member.1.Type-enum-bad",
        "PutResourceAttributes-ResourceAttributeList.member.1.Value-pattern-bad",
        "NotifyApplicationState-Status-enum-bad",
        "ListApplicationStates-ApplicationIds-list-max-length-bad",
        "ListApplicationStates-ApplicationIds.member.1-max-length-bad",
        "ListSourceResources-MaxResults-max-value-bad",
    ]:
        assert expected in ids, expected
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


# -- in process: the compiled validator and the error body -------------------------------
# What the hub says a member must do, for each kind of constraint the generator breaks.
WORDING = {
    "required": "not be null",
    "min-length": "have length greater than or equal to ",
    "max-length": "have length less than or equal to ",
    "list-min-length": "have length greater than or equal to ",
    "list-max-length": "have length less than or equal to ",
    "pattern": "satisfy regular expression pattern: ",
    "enum": "satisfy enum value set: [",
    "enum-lowercase": "satisfy enum value set: [",
    "min-value": "have value greater than or equal to ",
    "max-value": "have value less than or equal to ",
}
VIOLATION = re.compile(r"at '([^']*)' failed to satisfy constraint: Member must ([^;]*)")


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_violation_is_invalid_input(case: Case) -> None:
    error = refusal(case)
    found = VIOLATION.findall(error.message)
    assert re.match(rf"{len(found)} validation errors? detected: Value ", error.message), error.message
    # the member named, and no other (an empty string may break its pattern too)
    assert found and {path for path, _ in found} == {case.path}, error.message
    assert any(must.startswith(WORDING[case.constraint]) for _, must in found), error.message
    assert (error.status, error.sender_fault) == (400, True)
    assert orjson.loads(json11.error_body(error)) == {"__type": "InvalidInputException", "message": error.message}


@pytest.mark.parametrize("case", GOOD, ids=[c.id for c in GOOD])
def test_boundary_value_is_accepted(case: Case) -> None:
    validate(case)


@pytest.mark.parametrize(
    "service,op",
    [(s, o) for s, ops in OPERATIONS.items() for o in ops],
    ids=[o for ops in OPERATIONS.values() for o in ops],
)
def test_base_request_passes_validation(service: str, op: str) -> None:
    shape = input_shape(service, op)
    params = valid_value(op, "", shape) if shape is not None else {}
    checked = validate_input(shape, on_the_wire(params))
    # ... and comes back in native values: timestamps as aware datetimes
    assert checked == params


# A few hand-written cases the generator cannot express.
def test_full_match_not_search() -> None:
    import_task, create_stream = (
        input_shape("mgh", "ImportMigrationTask"),
        input_shape("mgh", "CreateProgressUpdateStream"),
    )
    for bad in ["a:b", ":a", "a:", "a|b"]:
        with pytest.raises(InvalidInputException, match="at 'MigrationTaskName' failed to satisfy constraint"):
            validate_input(import_task, {"ProgressUpdateStream": "valid-stream", "MigrationTaskName": bad})
    for bad in ["a/b", "tool:1", "x\x1fy", "x\ty"]:
        with pytest.raises(InvalidInputException, match="at 'ProgressUpdateStreamName' failed to satisfy constraint"):
            validate_input(create_stream, {"ProgressUpdateStreamName": bad})


NOTIFY = {
    "ProgressUpdateStream": "valid-stream",
    "MigrationTaskName": "valid-task",
    "Task": {"Status": "IN_PROGRESS", "ProgressPercent": 101},
    "UpdateDateTime": datetime(2026, 1, 1, tzinfo=UTC),
    "NextUpdateSeconds": 60,
}


def test_several_violations_are_all_reported() -> None:
    body = on_the_wire({**NOTIFY, "ProgressUpdateStream": "a/b", "NextUpdateSeconds": -1})
    with pytest.raises(InvalidInputException) as exc:
        validate_input(input_shape("mgh", "NotifyMigrationTaskState"), body)
    message = exc.value.message
    assert message.startswith("3 validation errors detected: "), message
    for path in ("ProgressUpdateStream", "Task.ProgressPercent", "NextUpdateSeconds"):
        assert f"at '{path}' failed" in message, message


def test_example_message_shape() -> None:
    with pytest.raises(InvalidInputException) as exc:
        validate_input(input_shape("mgh", "NotifyMigrationTaskState"), on_the_wire(NOTIFY))
    assert exc.value.message == (
        "1 validation error detected: Value '101' at 'Task.ProgressPercent' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )


# -- over HTTP: a sample of the refusals, as real boto3 sees them ------------------------
def _sample() -> list[Case]:
    """One refusal of each kind of constraint, one of the config service, one nested in a list."""
    picked: dict[str, Case] = {}
    for case in BAD:
        picked.setdefault(case.constraint, case)
    picked.setdefault("config", next(c for c in BAD if c.service == "migrationhub-config"))
    picked.setdefault("list element", next(c for c in BAD if ".member." in c.path))
    return list(picked.values())


SAMPLE = _sample()


def _python_name(op: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


_CLIENTS: dict[tuple[str, str], Any] = {}


@pytest.mark.parametrize("case", SAMPLE, ids=[c.id for c in SAMPLE])
def test_the_wire_answers_a_violation_as_the_validator_does(server: Any, case: Case) -> None:
    expected = refusal(case)
    # the shared server: a refused request changes nothing there
    index = (server.endpoint, case.service)
    if index not in _CLIENTS:
        _CLIENTS[index] = server.client(case.service, validate=False)
    client = _CLIENTS[index]
    with pytest.raises(ClientError) as exc:
        getattr(client, _python_name(case.op))(**case.params)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "InvalidInputException"
    assert error_code(exc.value) == "InvalidInputException"
    assert error_message(exc.value) == expected.message
