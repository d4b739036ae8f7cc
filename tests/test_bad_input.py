"""Every kind of bad value at every member of every operation: a modeled 4xx, and no change.

Generated from botocore's input shapes, for both services: each operation gets a base
request that is valid and, for the writes, would change the seeded account (so a bad
variant that slipped through would show); then every member, nested ones and list
elements included, is given wrong JSON types, null, empty values, lengths and ranges one
past the model's bounds, pattern breakers, lone surrogates, NUL, huge integers, NaN and
Infinity literals, deep nesting and timestamps outside what the hub can read back; every
whole body is sent in UTF-16, UTF-32, with a byte order mark, as Latin-1, truncated; and
every header the hub reads once is sent twice. Each answer must be 400 or 413 with a known
``__type`` and a body that is valid JSON, a value's refusal must name the member, and a
snapshot of every table before and after each operation's barrage must be the same.

It runs in process (an ASGI call of ``App`` over a real ``Store``, on SQLite and on
PostgreSQL when ``MIGHUB_TEST_DATABASE_URL`` is set), which is the whole pipeline but the
socket; the framing cases that only a socket can carry run against a real ``mighub serve``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session
import orjson
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.model import Shape, StructureShape
from sqlalchemy import select

from e2e_helpers import Databases, list_all_streams, uniq
from mighub.auth.config import parse_auth_document
from mighub.auth.gate import Gate
from mighub.clock import EARLIEST, LATEST, from_us, to_us
from mighub.errors import InvalidInputException
from mighub.protocol import json11
from mighub.protocol.headers import SINGLE_VALUED
from mighub.protocol.validation import validate_input
from mighub.server.app import App
from mighub.server.hub import Hub
from mighub.store.engine import Store
from mighub.store.schema import application_states, metadata, tasks

SERVICES = {"mgh": "AWSMigrationHub", "migrationhub-config": "AWSMigrationHubMultiAccountService"}
JSON11 = "application/x-amz-json-1.1"
KNOWN_TYPES = {"SerializationException", "InvalidInputException", "RequestEntityTooLargeException"}
RAW = "\x00raw\x00"  # stands for a literal spliced into the JSON text (NaN, a 500-digit number)
_session = botocore.session.get_session()

# -- the seeded account and a valid base request for every operation -----------------------

STREAM, TASK = "seed-stream", "seed-task"
SEEDED = {
    "CreatedArtifact": "arn:aws:ec2:us-east-1:000000000000:instance/i-seeded",
    "DiscoveredResource": "d-server-seeded",
    "SourceResource": "source-seeded",
}
# Valid values by shape name; the writes name things that do not exist yet (created if a
# bad variant slipped through) and the disassociations name what the seed associated.
SEEDS: dict[str, Any] = {
    "ProgressUpdateStream": STREAM,
    "MigrationTaskName": TASK,
    "CreatedArtifactName": "arn:aws:ec2:us-east-1:000000000000:instance/i-fresh",
    "ConfigurationId": "d-server-fresh",
    "SourceResourceName": "source-fresh",
    "ApplicationId": "app-fresh",
    "ResourceAttributeValue": "10.0.0.1",
    "ResourceName": "d-server-seeded",
    "HomeRegion": "us-east-1",
    "TargetId": "000000000000",
    "StatusDetail": "Copying image data",
    "UpdateDateTime": datetime(2026, 11, 1, 10, 0, tzinfo=UTC).timestamp(),
}
MEMBER_SEEDS = {
    ("CreateProgressUpdateStream", "ProgressUpdateStreamName"): "fresh-stream",
    ("DeleteProgressUpdateStream", "ProgressUpdateStreamName"): STREAM,
    ("ImportMigrationTask", "MigrationTaskName"): "fresh-task",
    ("DisassociateCreatedArtifact", "CreatedArtifactName"): SEEDED["CreatedArtifact"],
    ("DisassociateDiscoveredResource", "ConfigurationId"): SEEDED["DiscoveredResource"],
    ("DisassociateSourceResource", "SourceResourceName"): SEEDED["SourceResource"],
    ("DescribeApplicationState", "ApplicationId"): "app-seeded",
}
# Left out of the base: a token must be one the hub issued, and a dry run would change
# nothing if it slipped through. Their bad values are still sent.
NOT_IN_BASE = {"NextToken", "DryRun"}
CONTROL_ID = "ControlId"  # the seeded control's id, known once the seed has run


def operations() -> list[tuple[str, str]]:
    return [(svc, op) for svc in SERVICES for op in _session.get_service_model(svc).operation_names]


def input_shape(service: str, op: str) -> StructureShape | None:
    return _session.get_service_model(service).operation_model(op).input_shape  # type: ignore[return-value]


def valid(op: str, name: str, shape: Shape, control_id: str) -> Any:
    t = shape.type_name
    if t == "structure":
        assert isinstance(shape, StructureShape)
        return {n: valid(op, n, m, control_id) for n, m in shape.members.items() if n not in NOT_IN_BASE}
    if t == "list":
        return [valid(op, name, shape.member, control_id)]
    if t == "string":
        if shape.enum:
            return shape.enum[0]
        if shape.name == "ControlId":
            return control_id
        return MEMBER_SEEDS.get((op, name)) or SEEDS.get(shape.name) or "a" * max(1, shape.metadata.get("min", 1))
    if t in ("integer", "long"):
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 120)
        return (low + high) // 2
    if t == "boolean":
        return False
    if t == "timestamp":
        return SEEDS["UpdateDateTime"]
    raise NotImplementedError(t)


def base_body(service: str, op: str, control_id: str) -> dict[str, Any]:
    shape = input_shape(service, op)
    return valid(op, "", shape, control_id) if shape else {}


# -- the bad variants ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    label: str
    body: bytes
    expect: str  # "invalid" | "type" | "syntax" | "too-large"
    path: str | None = None  # the member the answer must name
    extra_header: tuple[str, str] | None = None  # sent besides the request's own copy
    extra_first: bool = False


# Characters tried, in order, to break a pattern while keeping the length valid.
PATTERN_BREAKERS = [":", "/", "|", "\n", "\x01", "!", "A", " ", "é"]
SURROGATES = ["\ud800", "\udfff", "\udc00"]
HUGE = [2**63, -(2**63) - 1, 2**64, 10**30, -(10**30)]
RAW_HUGE = ["1" + "0" * 500, "-1" + "0" * 500, "9" * 5000, "1e999", "-1e999"]
RAW_NOT_NUMBERS = ["NaN", "Infinity", "-Infinity"]
DEEP = 3000  # past both parsers' nesting limits
BAD_TIMES_INVALID: list[Any] = [
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
    "0001-01-01T00:00:00+14:00",  # year 0 in UTC
    "9999-12-31T23:59:59.5Z",
    253402300800,
    -62135596801,
    1e300,
    2**63,
]
BAD_TIMES_TYPE: list[Any] = ["yesterday", "10000-01-01T00:00:00Z", "", True, [], {}]


def _encode(body: Any) -> bytes:
    text = json.dumps(body)  # ensure_ascii: a lone surrogate goes out as its \u escape
    return text.encode()


def _with(base: dict[str, Any], path: list[str | int], value: Any) -> Any:
    out = copy.deepcopy(base)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _without(base: dict[str, Any], path: list[str | int]) -> Any:
    out = copy.deepcopy(base)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def _dotted(path: list[str | int]) -> str:
    return ".".join(f"member.{p + 1}" if isinstance(p, int) else p for p in path)


def _raw(base: dict[str, Any], path: list[str | int], literal: str | bytes) -> bytes:
    """The body with ``literal`` spliced in as the value at ``path``."""
    spliced = literal if isinstance(literal, bytes) else literal.encode()
    out = _encode(_with(base, path, RAW)).replace(json.dumps(RAW).encode(), spliced)
    if not spliced.startswith(b"[" * 100):  # the standard parser recurses no deeper
        # The body is JSON but for the literal: a lenient reading takes it (so a refusal
        # is for the literal, not for a body this test got wrong).
        json.loads(out.decode("utf-8", "surrogatepass"), parse_int=str)
    return out


def _string_values(shape: Shape, seed: str) -> Iterator[tuple[str, Any]]:
    m = shape.metadata
    low, high, pattern = m.get("min", 0), m.get("max"), m.get("pattern")
    if shape.enum:
        yield "not in enum", "NOT_" + seed
        yield "enum in lower case", seed.lower()
        yield "empty enum", ""
    if low >= 1:
        yield "shorter than min", seed[: low - 1]
    if high is not None:
        yield "longer than max", (seed * (high + 1))[: high + 1]
    if pattern:
        middle = len(seed) // 2
        for ch in PATTERN_BREAKERS:
            candidate = seed[:middle] + ch + seed[middle + 1 :]
            if re.fullmatch(pattern, candidate) is None and low <= len(candidate) <= (high or 10**9):
                yield "pattern broken", candidate
                break
    for s in SURROGATES:
        yield "lone surrogate", s
        yield "lone surrogate appended", seed + s
    yield "lone surrogate inside", seed[:1] + "\ud83d" + seed[1:]
    yield "NUL", seed + "\x00"


def bad_values(service: str, op: str, shape: StructureShape, base: dict[str, Any]) -> Iterator[Bad]:
    """Every bad value at every member of ``shape``, nested members included."""

    def visit(struct: StructureShape, prefix: list[str | int], node: dict[str, Any]) -> Iterator[Bad]:
        for name, member in struct.members.items():
            path = [*prefix, name]
            dotted = _dotted(path)
            here = (
                _with(base, prefix, {**node, name: node.get(name, valid(op, name, member, ""))})
                if prefix
                else {**base, name: node.get(name, valid(op, name, member, ""))}
            )
            if name in struct.required_members:
                yield Bad(f"{dotted}: missing", _encode(_without(here, path)), "invalid", dotted)
                yield Bad(f"{dotted}: null", _encode(_with(here, path, None)), "invalid", dotted)
            yield from member_values(member, path, here, dotted, _get(here, path))

    def member_values(
        member: Shape, path: list[str | int], here: dict[str, Any], dotted: str, seed: Any
    ) -> Iterator[Bad]:
        t = member.type_name
        type_errors: list[Any] = {
            "string": [1, 0.5, True, [seed], {"a": seed}],
            "integer": ["1", True, [1], {"a": 1}, 1.5, -0.5],
            "long": ["1", True, [1], {"a": 1}, 1.5],
            "boolean": ["true", 1, 0, [], {}],
            "timestamp": BAD_TIMES_TYPE,
            "structure": ["x", 1, [], True],
            "list": ["x", 1, {}, True],
        }[t]
        for value in type_errors:
            yield Bad(
                f"{dotted}: {type(value).__name__} {value!r:.20}", _encode(_with(here, path, value)), "type", dotted
            )
        for literal in RAW_NOT_NUMBERS:
            yield Bad(f"{dotted}: {literal}", _raw(here, path, literal), "syntax")
        yield Bad(f"{dotted}: nested {DEEP} deep", _raw(here, path, "[" * DEEP + "]" * DEEP), "syntax")
        yield Bad(f"{dotted}: nested 50 deep", _raw(here, path, "[" * 50 + "]" * 50), "type", dotted)
        if t == "string":
            for why, value in _string_values(member, seed):
                yield Bad(f"{dotted}: {why}", _encode(_with(here, path, value)), "invalid", dotted)
            for literal in RAW_HUGE:
                yield Bad(f"{dotted}: number {literal[:8]}", _raw(here, path, literal), "type", dotted)
        elif t in ("integer", "long"):
            m = member.metadata
            beyond = [m["min"] - 1] if "min" in m else []
            beyond += [m["max"] + 1] if "max" in m else []
            for value in beyond + HUGE:
                yield Bad(f"{dotted}: {value}", _encode(_with(here, path, value)), "invalid", dotted)
            for literal in RAW_HUGE:
                yield Bad(f"{dotted}: {literal[:8]}", _raw(here, path, literal), "invalid", dotted)
        elif t == "timestamp":
            for value in BAD_TIMES_INVALID:
                yield Bad(f"{dotted}: {value!r}", _encode(_with(here, path, value)), "invalid", dotted)
            for literal in RAW_HUGE:
                yield Bad(f"{dotted}: {literal[:8]}", _raw(here, path, literal), "invalid", dotted)
        elif t == "structure":
            assert isinstance(member, StructureShape)
            if member.required_members:
                first = member.required_members[0]
                yield Bad(f"{dotted}: empty object", _encode(_with(here, path, {})), "invalid", f"{dotted}.{first}")
            yield from visit(member, path, seed)
        elif t == "list":
            m = member.metadata
            if m.get("min", 0) >= 1:
                yield Bad(f"{dotted}: empty list", _encode(_with(here, path, [])), "invalid", dotted)
            if "max" in m:
                yield Bad(f"{dotted}: too long", _encode(_with(here, path, seed * (m["max"] + 1))), "invalid", dotted)
            element = [*path, 0]
            yield from member_values(member.member, element, here, _dotted(element), seed[0])

    yield from visit(shape, [], base)


def _get(node: Any, path: list[str | int]) -> Any:
    for key in path:
        node = node[key]
    return node


def bad_bodies(base: dict[str, Any]) -> Iterator[Bad]:
    """The whole body, well-formed in content but not JSON as AWS reads it."""
    text = json.dumps({**base, "Unknown": "é"}, ensure_ascii=False)
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-8-sig", "latin-1"):
        yield Bad(f"body in {encoding}", text.encode(encoding), "syntax")
    plain = _encode(base)
    yield Bad("body with an encoded surrogate", _raw(base, ["Unknown"], b'"\xed\xa0\x80"'), "syntax")
    yield Bad("body truncated", plain[:-1], "syntax")
    yield Bad("body with trailing text", plain + b"x", "syntax")
    for literal in RAW_NOT_NUMBERS:
        yield Bad(f"body with {literal} in an unknown member", _raw(base, ["Unknown"], literal), "syntax")
    yield Bad("body nested too deep", _raw(base, ["Unknown"], "[" * DEEP + "]" * DEEP), "syntax")
    for other in (b"[]", b'"x"', b"1", b"null", b"true", b"[" + plain + b"]"):
        yield Bad(f"body {other[:10]!r}", other, "type")


def bad_headers(target: str, body: bytes) -> Iterator[Bad]:
    """A valid request that repeats a header the hub reads as one value."""
    other = {
        "x-amz-target": "AWSMigrationHub.ListProgressUpdateStreams",
        "content-type": "application/json",
        "content-length": str(len(body) + 1),
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIAOTHER/20260101/us-west-2/mgh/aws4_request, "
        "SignedHeaders=host, Signature=00",
        "x-amz-date": "20260101T000000Z",
        "host": "elsewhere.example",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "x-amz-security-token": "other",
    }
    for name in sorted(SINGLE_VALUED):
        for extra_first in (False, True):
            yield Bad(
                f"two {name} headers (the other {'first' if extra_first else 'last'})",
                body,
                "syntax",
                extra_header=(name, other[name]),
                extra_first=extra_first,
            )


# -- the in-process pipeline -----------------------------------------------------------


class Hubs:
    """An ``App`` over a real ``Store``, called through ASGI on one event loop."""

    def __init__(self, url: str, gate: Gate | None = None) -> None:
        self.store = Store(url)
        self.app = App(Hub(self.store), gate=gate)
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.store.close()
        self.loop.close()

    def call(
        self, target: str, body: bytes, headers: list[tuple[str, str]] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        if headers is None:
            headers = default_headers(target, body)
        return self.loop.run_until_complete(_asgi(self.app, headers, body))

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        def work(tx: Any) -> dict[str, list[tuple[Any, ...]]]:
            return {
                t.name: sorted(map(tuple, tx.conn.execute(select(t)).all()), key=repr) for t in metadata.sorted_tables
            }

        return self.store.read(work)


def default_headers(target: str, body: bytes) -> list[tuple[str, str]]:
    """One copy of every header the hub reads once, as an SDK sends them (development
    mode takes the signature's region and key without checking it)."""
    return [
        ("host", "127.0.0.1:7676"),
        ("content-type", JSON11),
        ("content-length", str(len(body))),
        ("x-amz-target", target),
        ("x-amz-date", "20261101T100000Z"),
        ("x-amz-content-sha256", hashlib.sha256(body).hexdigest()),
        ("x-amz-security-token", "session-token"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIADEVELOPMENT01/20261101/us-east-1/mgh/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64,
        ),
    ]


async def _asgi(app: App, headers: list[tuple[str, str]], body: bytes) -> tuple[int, dict[str, str], bytes]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    response_headers = {k.decode().lower(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], response_headers, sent[1]["body"]


def target(service: str, op: str) -> str:
    return f"{SERVICES[service]}.{op}"


def seed(hubs: Hubs) -> str:
    """A stream with a notified task, every kind of association, an application state;
    returns the id of the account's home-region control."""
    mgh = "AWSMigrationHub."
    calls: list[tuple[str, dict[str, Any]]] = [
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM}),
        ("ImportMigrationTask", {"ProgressUpdateStream": STREAM, "MigrationTaskName": TASK}),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": STREAM,
                "MigrationTaskName": TASK,
                "Task": {"Status": "IN_PROGRESS"},
                "UpdateDateTime": 1_790_000_000,
                "NextUpdateSeconds": 60,
            },
        ),
        (
            "PutResourceAttributes",
            {
                "ProgressUpdateStream": STREAM,
                "MigrationTaskName": TASK,
                "ResourceAttributeList": [{"Type": "FQDN", "Value": "seeded.example"}],
            },
        ),
        (
            "AssociateCreatedArtifact",
            {
                "ProgressUpdateStream": STREAM,
                "MigrationTaskName": TASK,
                "CreatedArtifact": {"Name": SEEDED["CreatedArtifact"]},
            },
        ),
        (
            "AssociateDiscoveredResource",
            {
                "ProgressUpdateStream": STREAM,
                "MigrationTaskName": TASK,
                "DiscoveredResource": {"ConfigurationId": SEEDED["DiscoveredResource"]},
            },
        ),
        (
            "AssociateSourceResource",
            {
                "ProgressUpdateStream": STREAM,
                "MigrationTaskName": TASK,
                "SourceResource": {"Name": SEEDED["SourceResource"]},
            },
        ),
        ("NotifyApplicationState", {"ApplicationId": "app-seeded", "Status": "IN_PROGRESS"}),
    ]
    for op, params in calls:
        status, _, raw = hubs.call(mgh + op, _encode(params))
        assert status == 200, (op, raw)
    status, _, raw = hubs.call(target("migrationhub-config", "DescribeHomeRegionControls"), b"{}")
    assert status == 200, raw
    return str(orjson.loads(raw)["HomeRegionControls"][0]["ControlId"])


def refusal_problem(bad: Bad, status: int, headers: dict[str, str], raw: bytes) -> str | None:
    """What is wrong with the answer to a bad request, or None if it is right."""
    try:
        data = orjson.loads(raw)  # strict: an error body must itself be valid JSON
    except orjson.JSONDecodeError:
        return f"{status} with a body that is not JSON: {raw[:200]!r}"
    code = data.get("__type") if isinstance(data, dict) else None
    if status not in (400, 413) or code not in KNOWN_TYPES:
        return f"{status} {raw[:300]!r}"
    if headers.get("x-amzn-errortype") != code or not headers.get("x-amzn-requestid"):
        return f"headers {headers}"
    expected = {
        "invalid": "InvalidInputException",
        "type": "SerializationException",
        "syntax": "SerializationException",
        "too-large": "RequestEntityTooLargeException",
    }[bad.expect]
    if code != expected:
        return f"{code} instead of {expected}: {data.get('message')!r:.300}"
    # The member itself, or a part of it (the element of a list, the member of an object).
    if bad.path is not None and not re.search(f"'{re.escape(bad.path)}(\\.[^']+)?'", data["message"]):
        return f"message does not name {bad.path}: {data['message']!r:.300}"
    return None


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_url(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> str:
    if databases.backend == "postgresql":
        return databases.create()
    return f"sqlite:///{tmp_path_factory.mktemp('bad-input')}/mighub.sqlite3"


@pytest.fixture(scope="module")
def hubs(store_url: str) -> Iterator[tuple[Hubs, str]]:
    found = Hubs(store_url)
    control_id = seed(found)
    yield found, control_id
    found.close()


# -- the tests -----------------------------------------------------------------------------

OPERATIONS = operations()


def test_every_operation_of_both_models_is_covered() -> None:
    assert len([op for svc, op in OPERATIONS if svc == "mgh"]) >= 21
    assert len([op for svc, op in OPERATIONS if svc == "migrationhub-config"]) >= 4


@pytest.mark.parametrize(("service", "op"), OPERATIONS, ids=[op for _, op in OPERATIONS])
def test_bad_input_is_refused_and_changes_nothing(hubs: tuple[Hubs, str], service: str, op: str) -> None:
    hub, control_id = hubs
    base = base_body(service, op, control_id)
    shape = input_shape(service, op)
    name = target(service, op)
    cases = list(bad_values(service, op, shape, base)) if shape else []
    cases += bad_bodies(base)
    plain = _encode(base)
    cases += bad_headers(name, plain)
    before = hub.snapshot()
    problems = []
    for bad in cases:
        headers = default_headers(name, bad.body)
        if bad.extra_header is not None:
            headers = [bad.extra_header, *headers] if bad.extra_first else [*headers, bad.extra_header]
        status, response_headers, raw = hub.call(name, bad.body, headers)
        problem = refusal_problem(bad, status, response_headers, raw)
        if problem:
            problems.append(f"{bad.label}: {problem}")
    assert not problems, f"{len(problems)} of {len(cases)} bad requests answered wrongly:\n" + "\n".join(problems[:25])
    assert hub.snapshot() == before, "a refused request changed the store"


def test_body_over_the_limit_is_refused(hubs: tuple[Hubs, str]) -> None:
    hub, _ = hubs
    before = hub.snapshot()
    body = b'{"ProgressUpdateStreamName": "big", "Unknown": "' + b"x" * (1024 * 1024) + b'"}'
    bad = Bad("body over the limit", body, "too-large")
    status, headers, raw = hub.call("AWSMigrationHub.CreateProgressUpdateStream", body)
    assert refusal_problem(bad, status, headers, raw) is None, (status, raw)
    assert hub.snapshot() == before


def test_base_requests_are_valid(store_url: str, tmp_path: Path) -> None:
    """Each base request succeeds on a freshly seeded store: the bad variants differ from
    a request the hub accepts only by the bad value."""
    hub = Hubs(f"sqlite:///{tmp_path}/fresh.sqlite3")
    try:
        control_id = seed(hub)
        # The deletes last: the stream, then the home region every other call needs.
        ordered = sorted(OPERATIONS, key=lambda so: (so[1].startswith("Delete"), so[1] == "DeleteHomeRegionControl"))
        for service, op in ordered:
            status, _, raw = hub.call(target(service, op), _encode(base_body(service, op, control_id)))
            assert status == 200, (op, raw)
    finally:
        hub.close()


# -- reads never fail on what an older version stored --------------------------------------


def test_reads_survive_times_outside_the_range(tmp_path: Path) -> None:
    """A time an older version accepted (9999-12-31T23:59:59-14:00 is year 10000 in UTC)
    is read back clamped to the range, not as a 500 for the whole listing."""
    hub = Hubs(f"sqlite:///{tmp_path}/old.sqlite3")
    try:
        seed(hub)
        beyond = to_us(datetime.fromisoformat("9999-12-31T23:59:59-14:00"))
        before = to_us(datetime.fromisoformat("0001-01-01T00:00:00+14:00"))

        def poison(tx: Any) -> None:
            tx.conn.execute(tasks.update().values(update_us=beyond))
            tx.conn.execute(application_states.update().values(update_us=before))

        hub.store.write(poison)
        mgh = "AWSMigrationHub."
        task = _encode({"ProgressUpdateStream": STREAM, "MigrationTaskName": TASK})
        for op, body in (
            ("DescribeMigrationTask", task),
            ("ListMigrationTasks", b"{}"),
            ("DescribeApplicationState", b'{"ApplicationId": "app-seeded"}'),
            ("ListApplicationStates", b"{}"),
        ):
            status, _, raw = hub.call(mgh + op, body)
            assert status == 200, (op, raw)
        _, _, raw = hub.call(mgh + "DescribeMigrationTask", task)
        assert (
            orjson.loads(raw)["MigrationTask"]["UpdateDateTime"]
            == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
        )
        _, _, raw = hub.call(mgh + "ListApplicationStates", b"{}")
        assert (
            orjson.loads(raw)["ApplicationStateList"][0]["LastUpdatedTime"] == datetime(1, 1, 1, tzinfo=UTC).timestamp()
        )
    finally:
        hub.close()


# -- the modes: a repeated header is refused before the caller is authenticated ------------


def test_repeated_target_is_refused_with_signatures_checked(tmp_path: Path) -> None:
    key, secret = "AKIABADINPUTTEST0001", "secret-bad-input"
    config = parse_auth_document(
        {
            "principals": [
                {
                    "name": "admin",
                    "account_id": "111122223333",
                    "access_key_id": key,
                    "secret_access_key": secret,
                    "policy": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "mgh:*", "Resource": "*"}],
                    },
                }
            ]
        },
        tmp_path / "auth.toml",
    )
    hub = Hubs(f"sqlite:///{tmp_path}/auth.sqlite3", gate=Gate(config))
    try:
        body = _encode({"ProgressUpdateStreamName": "signed"})

        def signed(op: str) -> list[tuple[str, str]]:
            request = AWSRequest(
                method="POST",
                url="http://127.0.0.1:7676/",
                data=body,
                headers={"Content-Type": JSON11, "X-Amz-Target": "AWSMigrationHub." + op},
            )
            SigV4Auth(Credentials(key, secret), "mgh", "us-east-1").add_auth(request)
            return [("host", "127.0.0.1:7676")] + [(k.lower(), v) for k, v in request.headers.items()]

        status, _, raw = hub.call("", body, signed("ListProgressUpdateStreams"))
        assert status == 200, raw
        before = hub.snapshot()
        headers = signed("CreateProgressUpdateStream")
        for extra in (
            ("x-amz-target", "AWSMigrationHub.ListProgressUpdateStreams"),
            ("authorization", dict(headers)["authorization"]),
        ):
            status, response_headers, raw = hub.call("", body, [*headers, extra])
            assert refusal_problem(Bad("two", body, "syntax"), status, response_headers, raw) is None, raw
        assert hub.snapshot() == before
    finally:
        hub.close()


# -- the pieces, one at a time ---------------------------------------------------------------


def test_an_integer_beyond_64_bits_is_quoted_exactly() -> None:
    body = json11.parse_body(b'{"MaxResults": 1000000000000000000000000000001}')
    assert body == {"MaxResults": 10**30 + 1}  # not the float orjson would make of it
    with pytest.raises(InvalidInputException, match="Value '1000000000000000000000000000001' at 'MaxResults'"):
        validate_input(input_shape("mgh", "ListProgressUpdateStreams"), body)


def test_an_error_body_quoting_a_lone_surrogate_is_json() -> None:
    raw = json11.error_body(InvalidInputException("Value 'a\ud800' is bad", Detail="\udc00"))
    assert orjson.loads(raw) == {
        "__type": "InvalidInputException",
        "message": "Value 'a\\ud800' is bad",
        "Detail": "\\udc00",
    }


def test_times_out_of_range_read_back_clamped() -> None:
    assert from_us(to_us(datetime.fromisoformat("9999-12-31T23:59:59-14:00"))) == LATEST
    assert from_us(-(2**63)) == EARLIEST
    assert from_us(to_us(LATEST)) == LATEST


# -- over real HTTP: what only a socket carries ------------------------------------------------


def _raw_http(endpoint: str, head: list[str], body: bytes) -> tuple[int, bytes]:
    host, port = endpoint.split("://", 1)[1].rsplit(":", 1)
    request = "\r\n".join(["POST / HTTP/1.1", *head, "Connection: close", "", ""]).encode("latin-1") + body
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 "), data[:200]
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


CREATE = "X-Amz-Target: AWSMigrationHub.CreateProgressUpdateStream"
LISTING = "X-Amz-Target: AWSMigrationHub.ListProgressUpdateStreams"
JSON_TYPE = f"Content-Type: {JSON11}"


def _chunked(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


LENGTH = "Content-Length: {n}"  # the length of the body sent
# what -> (the headers after Host, the body made of a valid CreateProgressUpdateStream body)
FRAMING: dict[str, Any] = {
    "target then another": ([JSON_TYPE, CREATE, LISTING, LENGTH], lambda b: b),
    "another then target": ([JSON_TYPE, LISTING, CREATE, LENGTH], lambda b: b),
    "two equal content lengths": ([JSON_TYPE, CREATE, LENGTH, LENGTH], lambda b: b),
    "two content lengths": ([JSON_TYPE, CREATE, LENGTH, "Content-Length: 2"], lambda b: b),
    "content length and chunked": ([JSON_TYPE, CREATE, LENGTH, "Transfer-Encoding: chunked"], _chunked),
    "chunked twice": ([JSON_TYPE, CREATE, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], _chunked),
    "two content types": ([JSON_TYPE, "Content-Type: text/plain", CREATE, LENGTH], lambda b: b),
    # A second name the hub answers for: the ambiguity is refused, not the name.
    "two hosts": (["Host: localhost:7676", JSON_TYPE, CREATE, LENGTH], lambda b: b),
    "body in UTF-16": ([JSON_TYPE, CREATE, LENGTH], lambda b: b.decode().encode("utf-16")),
    "NaN in the body": ([JSON_TYPE, CREATE, LENGTH], lambda b: b[:-1] + b', "Unknown": NaN}'),
}


@pytest.mark.parametrize("what", sorted(FRAMING))
def test_framing_over_http(endpoint: str, mgh: Any, what: str) -> None:
    name = uniq("framing")
    lines, make_body = FRAMING[what]
    body = make_body(_encode({"ProgressUpdateStreamName": name}))
    headers = [line.format(n=len(body)) for line in lines]
    status, raw = _raw_http(endpoint, [f"Host: {endpoint.split('://', 1)[1]}", *headers], body)
    assert 400 <= status < 500, (what, status, raw[:300])
    if raw.startswith(b"{"):  # the hub's answer; the HTTP server's own refusals are plain text
        data = orjson.loads(raw)
        assert data["__type"] in KNOWN_TYPES, raw
        assert "not valid JSON: Expecting" not in data["message"], f"{what}: the body was cut short"
    assert name not in list_all_streams(mgh), f"{what}: the stream was created"


def test_a_body_cut_off_by_a_disconnect_is_never_run(hubs: tuple[Hubs, str]) -> None:
    """Half a body is not a request, even when the half is valid JSON on its own."""
    hub, _ = hubs
    stream = uniq("cut")
    whole = orjson.dumps({"ProgressUpdateStreamName": stream}) + b" " * 64
    before = hub.snapshot()
    headers = default_headers(target("mgh", "CreateProgressUpdateStream"), whole)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
    }
    messages = [{"type": "http.request", "body": whole[:-32], "more_body": True}, {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    hub.loop.run_until_complete(hub.app(scope, receive, send))
    assert sent == []
    assert hub.snapshot() == before
