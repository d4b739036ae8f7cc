"""Input validation, generated from botocore's service models.

For every in-scope operation, walk its input shape; for every constrained member
(required, min/max length, pattern as a full match, enum, min/max value, list length)
build a valid request and one violating value, send it with parameter validation turned
off in the client, and expect ``InvalidInputException`` naming the member path as the
model spells it (``Task.ProgressPercent``, ``ProgressUpdateStream``).

Boundary values (exactly min/max) must *not* be refused as invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.model import Shape, StructureShape

from e2e_helpers import MighubServer, error_code, error_message

IN_SCOPE = {
    "mgh": [
        "CreateProgressUpdateStream",
        "ListProgressUpdateStreams",
        "DeleteProgressUpdateStream",
        "ImportMigrationTask",
        "NotifyMigrationTaskState",
        "DescribeMigrationTask",
        "ListMigrationTasks",
        "ListMigrationTaskUpdates",
    ],
    "migrationhub-config": [
        "CreateHomeRegionControl",
        "DescribeHomeRegionControls",
        "GetHomeRegion",
        "DeleteHomeRegionControl",
    ],
}

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
}
# (operation, member) → seed, where the shared seed would interfere with other cases
MEMBER_SEEDS = {
    ("DeleteProgressUpdateStream", "ProgressUpdateStreamName"): "never-created-stream",
}
# Characters tried, in order, to break a pattern while keeping the length valid.
PATTERN_BREAKERS = [":", "/", "|", "\x01", "\n", "!", "A", " ", "é"]
# Tokens are only meaningful when the server issued them: no boundary case for them.
NO_BOUNDARY_SHAPES = {"Token"}

_session = botocore.session.get_session()


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


def _set(params: dict[str, Any], path: list[str], value: Any, op: str, shapes: list[Shape]) -> dict[str, Any]:
    """A copy of params with path set to value (creating optional parents validly)."""
    out = dict(params)
    if len(path) == 1:
        out[path[0]] = value
        return out
    head = path[0]
    parent = out.get(head)
    if parent is None:
        parent = valid_value(op, head, shapes[0])
    out[head] = _set(parent, path[1:], value, op, shapes[1:])
    return out


def _drop(params: dict[str, Any], path: list[str]) -> dict[str, Any]:
    out = dict(params)
    if len(path) == 1:
        out.pop(path[0], None)
        return out
    out[path[0]] = _drop(out[path[0]], path[1:])
    return out


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


def _get(params: Any, path: list[str]) -> Any:
    for p in path:
        if not isinstance(params, dict):
            return None
        params = params.get(p)
    return params


def walk(service: str, op: str) -> list[Case]:
    shape = _session.get_service_model(service).operation_model(op).input_shape
    if shape is None:
        return []
    cases: list[Case] = []

    def visit(struct: StructureShape, prefix: list[str], chain: list[Shape], base: dict[str, Any]) -> None:
        for name, member in struct.members.items():
            path = [*prefix, name]
            dotted = ".".join(path)
            mchain = [*chain, member]
            if name in struct.required_members:
                cases.append(Case(service, op, _drop(base, path), dotted, "required", False))
            t = member.type_name
            found: list[tuple[str, Any, bool]] = []
            if t == "string":
                found = string_cases(op, name, member)
            elif t in ("integer", "long"):
                found = number_cases(member)
            elif t == "list":
                m = member.metadata
                item = valid_value(op, name, member.member)
                if m.get("min"):
                    found.append(("list-min-length", [item] * (m["min"] - 1), False))
                if "max" in m:
                    found.append(("list-max-length", [item] * (m["max"] + 1), False))
            elif t == "structure":
                assert isinstance(member, StructureShape)
                nested = base
                if _get(base, path) is None:  # an optional parent: make it present and valid
                    nested = _set(base, path, valid_value(op, name, member), op, mchain)
                visit(member, path, mchain, nested)
            for constraint, value, valid in found:
                cases.append(Case(service, op, _set(base, path, value, op, mchain), dotted, constraint, valid))

    visit(shape, [], [], valid_value(op, "", shape))
    return cases


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for service, ops in IN_SCOPE.items():
        for op in ops:
            cases += walk(service, op)
    return cases


CASES = all_cases()
BAD = [c for c in CASES if not c.valid]
GOOD = [c for c in CASES if c.valid]


def _python_name(op: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


@pytest.fixture(scope="module")
def vserver(module_server_factory: Any) -> MighubServer:
    """A server of this module's own: the generated requests may create things."""
    return module_server_factory()


@pytest.fixture(scope="module")
def raw_clients(vserver: MighubServer) -> dict[str, Any]:
    return {svc: vserver.client(svc, validate=False) for svc in IN_SCOPE}


def _call(raw_clients: dict[str, Any], case: Case) -> ClientError | None:
    client = raw_clients[case.service]
    try:
        getattr(client, _python_name(case.op))(**case.params)
    except ClientError as exc:
        return exc
    return None


def test_generator_covers_the_model() -> None:
    """Sanity of the generator itself: the known constraints are all there."""
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
    ]:
        assert expected in ids, expected
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_violation_is_invalid_input(raw_clients: dict[str, Any], case: Case) -> None:
    exc = _call(raw_clients, case)
    assert exc is not None, f"{case.op} accepted {case.path} violating {case.constraint}: {case.params!r}"
    assert error_code(exc) == "InvalidInputException", exc.response
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message = error_message(exc)
    assert case.path in message, f"message should name {case.path!r}: {message!r}"


@pytest.mark.parametrize("case", GOOD, ids=[c.id for c in GOOD])
def test_boundary_value_is_accepted(raw_clients: dict[str, Any], case: Case) -> None:
    exc = _call(raw_clients, case)
    if exc is None:
        return
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] < 500, exc.response
    message = error_message(exc)
    if error_code(exc) == "InvalidInputException":
        assert case.path not in message and "constraint" not in message, (
            f"boundary value of {case.path} ({case.constraint}) refused: {message!r}"
        )


@pytest.mark.parametrize(
    "service,op",
    [(s, o) for s, ops in IN_SCOPE.items() for o in ops],
    ids=[o for ops in IN_SCOPE.values() for o in ops],
)
def test_base_request_passes_validation(raw_clients: dict[str, Any], service: str, op: str) -> None:
    shape = _session.get_service_model(service).operation_model(op).input_shape
    params = valid_value(op, "", shape) if shape is not None else {}
    exc = _call(raw_clients, Case(service, op, params, "", "base", True))
    if exc is None:
        return
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] < 500, exc.response
    # not found, already set, ... are fine; a validation failure is not
    assert error_code(exc) in {"ResourceNotFoundException", "InvalidInputException"}, exc.response
    assert "constraint" not in error_message(exc), exc.response


# A few hand-written cases the generator cannot express.
def test_full_match_not_search(raw_clients: dict[str, Any]) -> None:
    client = raw_clients["mgh"]
    for bad in ["a:b", ":a", "a:", "a|b"]:
        with pytest.raises(ClientError) as exc:
            client.import_migration_task(ProgressUpdateStream="valid-stream", MigrationTaskName=bad)
        assert error_code(exc.value) == "InvalidInputException"
        assert "MigrationTaskName" in error_message(exc.value)
    for bad in ["a/b", "tool:1", "x\x1fy", "x\ty"]:
        with pytest.raises(ClientError) as exc:
            client.create_progress_update_stream(ProgressUpdateStreamName=bad)
        assert error_code(exc.value) == "InvalidInputException"
        assert "ProgressUpdateStreamName" in error_message(exc.value)


def test_several_violations_are_all_reported(raw_clients: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        raw_clients["mgh"].notify_migration_task_state(
            ProgressUpdateStream="a/b",
            MigrationTaskName="valid-task",
            Task={"Status": "IN_PROGRESS", "ProgressPercent": 101},
            UpdateDateTime=datetime(2026, 1, 1, tzinfo=UTC),
            NextUpdateSeconds=-1,
        )
    assert error_code(exc.value) == "InvalidInputException"
    message = error_message(exc.value)
    for path in ("ProgressUpdateStream", "Task.ProgressPercent", "NextUpdateSeconds"):
        assert path in message, message


def test_example_message_shape(raw_clients: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        raw_clients["mgh"].notify_migration_task_state(
            ProgressUpdateStream="valid-stream",
            MigrationTaskName="valid-task",
            Task={"Status": "IN_PROGRESS", "ProgressPercent": 101},
            UpdateDateTime=datetime(2026, 1, 1, tzinfo=UTC),
            NextUpdateSeconds=60,
        )
    message = error_message(exc.value)
    assert "101" in message and "Task.ProgressPercent" in message and "100" in message, message
