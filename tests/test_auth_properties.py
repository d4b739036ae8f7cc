"""Properties of access control, checked in process with hypothesis.

1. Random ``Authorization`` headers (random text, and correctly signed headers with one part
   mutated), sent through the whole ``App`` with an auth file: never a 500; the answer is
   the one an independent reading of the header predicts (accepted only when it still says
   exactly what was signed, within the clock skew, by a known key; then allowed or denied
   by the key's policy), and nothing changes unless the request was both validly signed
   and allowed.
2. Random, valid policy documents, on ``Hub.call`` with each key's parsed policy: the hub's
   decision on every call equals an independent oracle (IAM's rules, written here with
   ``fnmatch``), a denied call changes nothing, a dry run tells the truth, and
   ``ListMigrationTasks`` lists exactly the tasks the caller may describe.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from botocore import xform_name
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from e2e_helpers import list_all_streams, list_all_tasks
from inproc_calls import HubClient, asgi, auth_app
from mighub.server.hub import Hub
from mighub.store.engine import Store
from test_auth_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    NOTHING_POLICY,
    Key,
    code_of,
    new_key,
    signed_request,
    stream_arn,
    task_arn,
    uniq_name,
)

AUTH_ERRORS = {
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
}
_counter = itertools.count()


# -- 1. random Authorization headers ------------------------------------------------------
ENDPOINT = "http://hub.test"
MAX_SKEW_MINUTES = 15


@pytest.fixture(scope="module")
def header_hub(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    keys = {"admin": new_key("admin"), "nobody": new_key("nobody", policy=NOTHING_POLICY)}
    store = Store(databases.fresh_url(tmp_path_factory.mktemp("headers")))
    app = auth_app(store, keys.values())
    yield SimpleNamespace(app=app, keys={**keys, "ghost": new_key("ghost")}, admin=HubClient(app.hub, keys["admin"]))
    store.close()


header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=200
)
piece = st.text(alphabet="AKIMgh0123456789abcdef/=,; -_*.\t", max_size=30)

mutation = st.one_of(
    st.tuples(st.just("replace-scope-part"), st.integers(0, 4), piece),
    st.tuples(st.just("replace-field"), st.sampled_from(["Credential", "SignedHeaders", "Signature"]), piece),
    st.tuples(st.just("drop-field"), st.sampled_from(["Credential", "SignedHeaders", "Signature"]), st.just("")),
    st.tuples(st.just("duplicate-field"), st.sampled_from(["Credential", "SignedHeaders", "Signature"]), piece),
    st.tuples(st.just("reorder"), st.permutations([0, 1, 2]), st.just("")),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just("")),
    st.tuples(st.just("flip-char"), st.floats(0, 1), st.sampled_from("0aZ/=, ")),
    st.tuples(st.just("case"), st.sampled_from(["lower", "upper", "swapcase"]), st.just("")),
    st.tuples(st.just("algorithm"), piece, st.just("")),
    st.tuples(st.just("append"), piece, st.just("")),
    st.tuples(st.just("x-amz-date"), header_text, st.just("")),
    st.tuples(st.just("drop-x-amz-date"), st.just(""), st.just("")),
    st.tuples(st.just("skew"), st.integers(-48 * 60, 48 * 60), st.just("")),
)


def still_as_signed(original: dict[str, str], sent: dict[str, str], skew_minutes: int) -> bool | None:
    """Whether ``sent`` still carries ``original``'s signature, read independently of the hub:
    the same algorithm and the same three fields, each once, in any order and spacing, the
    same X-Amz-Date, and signed within the clock skew. None at exactly the skew's bound."""
    if abs(skew_minutes) == MAX_SKEW_MINUTES:
        return None
    if abs(skew_minutes) > MAX_SKEW_MINUTES or sent.get("X-Amz-Date") != original["X-Amz-Date"]:
        return False

    def parts(auth: str) -> tuple[str, list[str]]:
        algorithm, _, rest = auth.strip().partition(" ")
        return algorithm, sorted(field.strip() for field in rest.split(","))

    return parts(sent["Authorization"]) == parts(original["Authorization"])


def _fields(auth: str) -> tuple[str, list[str]]:
    algorithm, _, rest = auth.partition(" ")
    return algorithm, [p.strip() for p in rest.split(",")]


def mutate(headers: dict[str, str], kind: str, a: Any, b: Any) -> None:
    auth = headers["Authorization"]
    algorithm, fields = _fields(auth)
    names = ["Credential", "SignedHeaders", "Signature"]
    if kind == "replace-scope-part":
        scope = fields[0].split("=", 1)[1].split("/")
        scope[a] = b
        fields[0] = "Credential=" + "/".join(scope)
    elif kind == "replace-field":
        fields[names.index(a)] = f"{a}={b}"
    elif kind == "drop-field":
        del fields[names.index(a)]
    elif kind == "duplicate-field":
        fields.insert(0, f"{a}={b}")
    elif kind == "reorder":
        fields = [fields[i] for i in a]
    if kind in ("replace-scope-part", "replace-field", "drop-field", "duplicate-field", "reorder"):
        auth = f"{algorithm} " + ", ".join(fields)
    elif kind == "truncate":
        auth = auth[: int(a * len(auth))]
    elif kind == "flip-char":
        i = min(int(a * len(auth)), len(auth) - 1)
        auth = auth[:i] + b + auth[i + 1 :]
    elif kind == "case":
        auth = getattr(auth, a)()
    elif kind == "algorithm":
        auth = a + auth[len(algorithm) :]
    elif kind == "append":
        auth = auth + a
    elif kind == "x-amz-date":
        headers["X-Amz-Date"] = a
    elif kind == "drop-x-amz-date":
        headers.pop("X-Amz-Date", None)
    headers["Authorization"] = auth


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    who=st.sampled_from(["admin", "nobody", "ghost"]),
    attack=st.one_of(
        st.tuples(st.just("random"), header_text, st.just("")),
        st.just(("skew", 0, "")),  # as signed: the property's other side
        mutation,
    ),
)
def test_random_authorization_headers(header_hub: SimpleNamespace, who: str, attack: tuple[str, Any, Any]) -> None:
    key = header_hub.keys[who]
    name = uniq_name("h")
    kind, a, b = attack
    skew = a if kind == "skew" else 0
    at = datetime.now(UTC) + timedelta(minutes=skew) if kind == "skew" else None
    headers, body = signed_request(
        ENDPOINT, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": name}, key, at=at
    )
    original = dict(headers)
    if kind == "random":
        headers["Authorization"] = a
    elif kind != "skew":
        mutate(headers, kind, a, b)
    valid = still_as_signed(original, headers, skew)
    status, _, raw = asgi(header_hub.app, "POST", "/", headers, body)
    answer = json.loads(raw)
    assert status < 500, answer
    exists = name in list_all_streams(header_hub.admin)
    code = answer.get("__type")
    event(f"{who} {'valid' if valid else 'refused'} {code or 200}")
    if valid is None:  # at the skew's bound: either answer, but a consistent one
        valid = status == 200 or code == "AccessDeniedException"
    if valid and who == "admin":
        assert (status, exists) == (200, True), answer
    elif valid and who == "nobody":
        assert (status, code, exists) == (400, "AccessDeniedException", False), answer
    else:
        assert not exists, answer
        assert code in AUTH_ERRORS, answer
        assert status == (403 if code == "MissingAuthenticationTokenException" else 400), answer
        if valid:  # a well-formed signature by a key the hub does not know
            assert code == "UnrecognizedClientException", answer


# -- 2. random policies against an oracle ---------------------------------------------------
STREAMS = ["alpha", "beta", "alpha-2", "gamma"]  # gamma is never created by the setup
TASKS = ["t1", "t2"]  # t2 is never imported by the setup
ACCOUNT_WIDE = {"ListMigrationTasks", "ListProgressUpdateStreams", "NotifyApplicationState"}
STREAM_OPS = {"CreateProgressUpdateStream", "DeleteProgressUpdateStream"}
TASK_OPS = {
    "ImportMigrationTask",
    "NotifyMigrationTaskState",
    "DescribeMigrationTask",
    "AssociateCreatedArtifact",
    "PutResourceAttributes",
    "ListCreatedArtifacts",
}
WRITES = STREAM_OPS | {
    "ImportMigrationTask",
    "NotifyMigrationTaskState",
    "AssociateCreatedArtifact",
    "PutResourceAttributes",
    "NotifyApplicationState",
}

ACTIONS = [
    "mgh:*",
    "*",
    *(f"mgh:{op}" for op in sorted(ACCOUNT_WIDE | STREAM_OPS | TASK_OPS)),
    "mgh:Notify*",
    "mgh:*Task*",
    "mgh:List*",
    "mgh:Describe?igrationTask",
    "mgh:*Stream",
    "mgh:?mport*",
    "mgh:Get*",
    "mgh:*Resource*",
]
A = ACCOUNT_A
RESOURCES = [
    "*",
    *(stream_arn(s) for s in STREAMS),
    *(stream_arn(s) + "/*" for s in STREAMS),
    *(task_arn(s, t) for s in STREAMS[:2] for t in TASKS),
    f"arn:aws:mgh:us-east-1:{A}:progressUpdateStream/alpha*",
    f"arn:aws:mgh:*:{A}:*",
    f"arn:aws:mgh:us-east-1:{ACCOUNT_B}:*",
    f"arn:aws:mgh:us-?ast-1:{A}:progressUpdateStream/*",
    f"arn:aws:mgh:us-west-2:{A}:*",
    f"arn:aws:mgh:us-east-1:{A}:progressUpdateStream/ALPHA",
    f"arn:aws:mgh:us-east-1:{A}:progressUpdateStream/?eta/*",
    f"arn:aws:mgh:us-east-1:{A}:progressUpdateStream/*/migrationTask/t1",
]

action = st.sampled_from(ACTIONS).flatmap(lambda a: st.sampled_from([a, a.lower(), a.upper(), a.swapcase()]))
resource = st.one_of(
    st.sampled_from(RESOURCES),
    st.text(alphabet="abeghlpt12-*?/", min_size=1, max_size=10).map(
        lambda s: f"arn:aws:mgh:us-east-1:{A}:progressUpdateStream/{s}"
    ),
)


def one_or_many(element: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(element, st.lists(element, min_size=1, max_size=3))


statement = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
        "_action": st.sampled_from(["Action", "Action", "NotAction"]),
        "_actions": one_or_many(action),
        "_resource": st.sampled_from(["Resource", "Resource", "NotResource"]),
        "_resources": one_or_many(resource),
    },
    optional={"Sid": st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True)},
).map(
    lambda d: {
        **{k: v for k, v in d.items() if not k.startswith("_")},
        d["_action"]: d["_actions"],
        d["_resource"]: d["_resources"],
    }
)
policy_document = st.lists(statement, min_size=1, max_size=4).map(lambda s: {"Version": "2012-10-17", "Statement": s})


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def oracle(document: dict[str, Any], action_name: str, resource_arn: str) -> bool:
    """IAM's evaluation, independently: explicit deny > allow > implicit deny."""
    allowed = False
    for st_ in document["Statement"]:
        if "Action" in st_:
            action_hit = any(fnmatch.fnmatchcase(action_name.lower(), p.lower()) for p in _as_list(st_["Action"]))
        else:
            action_hit = not any(
                fnmatch.fnmatchcase(action_name.lower(), p.lower()) for p in _as_list(st_["NotAction"])
            )
        if "Resource" in st_:
            resource_hit = any(fnmatch.fnmatchcase(resource_arn, p) for p in _as_list(st_["Resource"]))
        else:
            resource_hit = not any(fnmatch.fnmatchcase(resource_arn, p) for p in _as_list(st_["NotResource"]))
        if action_hit and resource_hit:
            if st_["Effect"] == "Deny":
                return False
            allowed = True
    return allowed


def resource_of(op: str, stream: str, task: str) -> str:
    if op in ACCOUNT_WIDE:
        return "*"
    if op in STREAM_OPS:
        return stream_arn(stream)
    return task_arn(stream, task)


@dataclass(frozen=True)
class Call:
    who: int
    op: str
    stream: str
    task: str
    dry_run: bool


call = st.builds(
    Call,
    who=st.integers(0, 2),
    op=st.sampled_from(sorted(ACCOUNT_WIDE | STREAM_OPS | TASK_OPS)),
    stream=st.sampled_from(STREAMS),
    task=st.sampled_from(TASKS),
    dry_run=st.booleans(),
)


def params_of(c: Call, n: int) -> dict[str, Any]:
    ids = {"ProgressUpdateStream": c.stream, "MigrationTaskName": c.task}
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    params: dict[str, Any] = {
        "CreateProgressUpdateStream": {"ProgressUpdateStreamName": c.stream},
        "DeleteProgressUpdateStream": {"ProgressUpdateStreamName": c.stream},
        "ImportMigrationTask": ids,
        "NotifyMigrationTaskState": {
            **ids,
            "Task": {"Status": "IN_PROGRESS", "StatusDetail": f"call {n}"},
            "UpdateDateTime": when,
            "NextUpdateSeconds": 60,
        },
        "DescribeMigrationTask": ids,
        "AssociateCreatedArtifact": {
            **ids,
            "CreatedArtifact": {"Name": f"arn:aws:ec2:us-east-1:{A}:instance/i-{n:017x}"},
        },
        "PutResourceAttributes": {**ids, "ResourceAttributeList": [{"Type": "FQDN", "Value": f"host{n}.example.com"}]},
        "ListCreatedArtifacts": ids,
        "NotifyApplicationState": {"ApplicationId": f"app-{n % 3}", "Status": "IN_PROGRESS", "UpdateDateTime": when},
        "ListMigrationTasks": {},
        "ListProgressUpdateStreams": {},
    }[c.op]
    if c.dry_run and c.op in WRITES:
        params["DryRun"] = True
    return params


def light_snapshot(mgh: Any) -> dict[str, Any]:
    """What the calls of this test can change, read with the admin key."""
    tasks = sorted(list_all_tasks(mgh), key=lambda r: (r["ProgressUpdateStream"], r["MigrationTaskName"]))
    details = {}
    for row in tasks:
        ids = {"ProgressUpdateStream": row["ProgressUpdateStream"], "MigrationTaskName": row["MigrationTaskName"]}
        details[json.dumps(ids)] = (
            {k: v for k, v in mgh.describe_migration_task(**ids).items() if k != "ResponseMetadata"},
            mgh.list_created_artifacts(**ids)["CreatedArtifactList"],
        )
    return {
        "streams": sorted(list_all_streams(mgh)),
        "tasks": tasks,
        "details": details,
        "applications": mgh.list_application_states()["ApplicationStateList"],
    }


@pytest.fixture(scope="module")
def policy_store(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for every example: each starts by deleting every stream the last one left."""
    store = Store(databases.fresh_url(tmp_path_factory.mktemp("policies")))
    yield store
    store.close()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(documents=st.lists(policy_document, min_size=3, max_size=3), calls=st.lists(call, min_size=6, max_size=14))
def test_random_policies_agree_with_the_oracle(
    policy_store: Store, documents: list[dict[str, Any]], calls: list[Call]
) -> None:
    admin = new_key("admin")
    keys = [new_key(f"p{i}", policy=doc) for i, doc in enumerate(documents)]
    hub = Hub(policy_store)  # a hub of the example's own: nothing cached from the last one
    root = HubClient(hub, admin)
    for stream in list_all_streams(root):
        root.delete_progress_update_stream(ProgressUpdateStreamName=stream)
    assert list_all_tasks(root) == []
    _exercise(hub, admin, keys, documents, calls)


def _exercise(hub: Hub, admin: Key, keys: list[Key], documents: list[dict[str, Any]], calls: list[Call]) -> None:
    root = HubClient(hub, admin)
    clients = [HubClient(hub, key) for key in keys]
    for stream in STREAMS[:3]:
        root.create_progress_update_stream(ProgressUpdateStreamName=stream)
        root.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t1")
        root.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName="t1",
            Task={"Status": "NOT_STARTED"},
            UpdateDateTime=datetime(2025, 1, 1, tzinfo=UTC),
            NextUpdateSeconds=60,
        )
    before: dict[str, Any] | None = None
    for c in calls:
        n = next(_counter)
        params = params_of(c, n)
        allowed = oracle(documents[c.who], f"mgh:{c.op}", resource_of(c.op, c.stream, c.task))
        dry = "DryRun" in params
        watch = not allowed or dry or c.op not in WRITES
        if watch and before is None:
            before = light_snapshot(root)
        client = clients[c.who]
        result: dict[str, Any] = {}

        def invoke() -> None:
            result.update(getattr(client, xform_name(c.op))(**params))  # noqa: B023 -- called within this iteration

        code = code_of(invoke)
        event(f"{'allowed' if allowed else 'denied'}{' dry run' if dry else ''}")
        where = (c, documents[c.who])
        assert code not in ("InternalServerError", "ServiceUnavailableException"), where
        if not allowed:
            assert code == ("UnauthorizedOperation" if dry else "AccessDeniedException"), where
        elif dry:
            assert code == "DryRunOperation", where
        else:
            assert code not in ("AccessDeniedException", "UnauthorizedOperation", "DryRunOperation"), where
        if watch:
            assert light_snapshot(root) == before, ("changed without an allow", where)
        else:
            before = None  # an allowed write may have changed the account
            if c.op == "DeleteProgressUpdateStream" and code is None:
                assert c.stream not in list_all_streams(root), where  # the client finished the deletion
        if c.op == "ListMigrationTasks" and code is None:
            seen = {(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in list_all_tasks(client, page_size=2)}
            expected = {
                (r["ProgressUpdateStream"], r["MigrationTaskName"])
                for r in list_all_tasks(root)
                if oracle(
                    documents[c.who],
                    "mgh:DescribeMigrationTask",
                    task_arn(r["ProgressUpdateStream"], r["MigrationTaskName"]),
                )
            }
            assert seen == expected, where
