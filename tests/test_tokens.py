"""NextTokens are sealed: they reveal nothing, are good for one account's one
listing, and a page is cut after the policy filter, within a bounded scan.

In process (``Hub.call`` over a real store, on both engines): the tokens and the
pages are the point, not the wire.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import orjson
import pytest

from mighub.auth.policy import parse_policy
from mighub.clock import now_us
from mighub.context import RequestContext
from mighub.errors import InvalidInputException
from mighub.models import operations_by_target
from mighub.provider import pagination
from mighub.server import extensions
from mighub.server.hub import Hub
from mighub.store.engine import Store
from mighub.store.transaction import Transaction
from test_auth_helpers import ACCOUNT_A, ACCOUNT_B, partner_policy

VENDOR = "DMS"
# Streams ordered around the vendor's ("AAA…" < "DMS" < "ZZZ…"), with tasks the vendor may not see.
HIDDEN_STREAMS = ("AAA-secret", "DMR-secret", "DMSX-secret", "ZZZ-secret")
CONFIGURATION = "d-shared"


@pytest.fixture
def hub(store: Store) -> Hub:
    return Hub(store)


def context(operation: str, account: str = ACCOUNT_A, policy: dict[str, Any] | None = None) -> RequestContext:
    service = "AWSMigrationHubMultiAccountService" if operation == "DescribeHomeRegionControls" else "AWSMigrationHub"
    return RequestContext(
        operation=operations_by_target()[f"{service}.{operation}"],
        account_id=account,
        region="us-east-1",
        policy=parse_policy(policy) if policy is not None else None,
    )


def call(hub: Hub, operation: str, body: dict[str, Any], **who: Any) -> dict[str, Any]:
    return asyncio.run(hub.call(context(operation, **who), body))


def api(hub: Hub, query: dict[str, str], **who: Any) -> dict[str, Any]:
    return asyncio.run(extensions.list_tasks(hub, context("ListMigrationTasks", **who), query))


def fill(hub: Hub, account: str, layout: dict[str, list[str]], configuration: str | None = None) -> None:
    """Streams and tasks straight into the store (each task associated with
    ``configuration`` when one is given); the account is created as a call would."""
    call(hub, "ListProgressUpdateStreams", {}, account=account)

    def work(tx: Transaction) -> None:
        for stream, names in layout.items():
            tx.create_stream(account, stream, now_us())
            stream_id = tx.stream(account, stream).id
            for name in names:
                tx.create_task(stream_id, account, stream, name, now_us())
                if configuration is not None:
                    task_id = tx.task(account, stream, name).id
                    tx.associate("discovered_resource", task_id, configuration, {"description": None})

    hub.store.write(work)


def walk(fetch: Any, list_key: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row and every token of a listing, one page after the other."""
    rows: list[dict[str, Any]] = []
    tokens: list[str] = []
    token = None
    for _ in range(1000):
        page = fetch(token)
        rows += page[list_key]
        token = page.get("NextToken")
        if not token:
            return rows, tokens
        tokens.append(token)
    raise AssertionError("pagination never ended")


def hides_names(tokens: list[str], names: list[str]) -> None:
    for token in tokens:
        raw = base64.b64decode(token)
        for name in names:
            assert name.encode() not in raw and name not in token
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(raw)
    # Padded: the length of a token says nothing of the (short) key inside it.
    assert len({len(token) for token in tokens}) <= 1


# -- a restricted caller learns nothing it may not list -----------------------------------


@pytest.fixture
def vendor_account(hub: Hub) -> list[str]:
    """An account where the vendor's three tasks sit between other streams' tasks."""
    layout = {stream: [f"hidden-{stream}-{i}" for i in range(3)] for stream in HIDDEN_STREAMS}
    layout[VENDOR] = ["vm-0", "vm-1", "vm-2"]
    fill(hub, ACCOUNT_A, layout, configuration=CONFIGURATION)
    return [name for stream in HIDDEN_STREAMS for name in (stream, *layout[stream])]


VENDOR_POLICY = partner_policy(VENDOR, region="us-east-1")


@pytest.mark.parametrize("resource_name", [None, CONFIGURATION], ids=["all", "ResourceName"])
def test_list_migration_tasks_tokens_hide_other_streams(
    hub: Hub, vendor_account: list[str], resource_name: str | None
) -> None:
    extra = {"ResourceName": resource_name} if resource_name else {}

    def fetch(token: str | None) -> dict[str, Any]:
        body = dict(extra, MaxResults=1, **({"NextToken": token} if token else {}))
        return call(hub, "ListMigrationTasks", body, policy=VENDOR_POLICY)

    rows, tokens = walk(fetch, "MigrationTaskSummaryList")
    assert [(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in rows] == [
        (VENDOR, "vm-0"),
        (VENDOR, "vm-1"),
        (VENDOR, "vm-2"),
    ]
    assert tokens
    hides_names(tokens, vendor_account)


def test_task_api_tokens_hide_other_streams(hub: Hub, vendor_account: list[str]) -> None:
    def fetch(token: str | None) -> dict[str, Any]:
        query = {"max_results": "1", **({"next_token": token} if token else {})}
        return {
            "Tasks": (page := api(hub, query, policy=VENDOR_POLICY))["Tasks"],
            **({"NextToken": page["NextToken"]} if "NextToken" in page else {}),
        }

    rows, tokens = walk(fetch, "Tasks")
    assert [(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in rows] == [
        (VENDOR, "vm-0"),
        (VENDOR, "vm-1"),
        (VENDOR, "vm-2"),
    ]
    assert tokens
    hides_names(tokens, vendor_account)


def test_a_page_looks_at_a_bounded_number_of_rows(hub: Hub) -> None:
    """More hidden rows than a page may look at: the first page comes back empty
    with a token, and the vendor's task follows."""
    hidden = [f"h-{i:05d}" for i in range(pagination.SCAN_BUDGET + 5)]
    fill(hub, ACCOUNT_A, {"AAA-secret": hidden, VENDOR: ["vm-0"]})
    first = call(hub, "ListMigrationTasks", {"MaxResults": 1}, policy=VENDOR_POLICY)
    assert first["MigrationTaskSummaryList"] == [] and first["NextToken"]
    second = call(hub, "ListMigrationTasks", {"MaxResults": 1, "NextToken": first["NextToken"]}, policy=VENDOR_POLICY)
    assert [r["MigrationTaskName"] for r in second["MigrationTaskSummaryList"]] == ["vm-0"]
    assert "NextToken" not in second
    # Without a policy filtering, the first page is full at once.
    everyone = call(hub, "ListMigrationTasks", {"MaxResults": 100})
    assert len(everyone["MigrationTaskSummaryList"]) == 100 and everyone["NextToken"]


# -- a token is good for one account's one listing ------------------------------------------


LISTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "ListProgressUpdateStreams": ("ProgressUpdateStreamSummaryList", {}),
    "ListMigrationTasks": ("MigrationTaskSummaryList", {}),
    "ListApplicationStates": ("ApplicationStateList", {}),
}


@pytest.mark.parametrize("operation", list(LISTINGS))
def test_a_token_of_one_account_is_refused_for_another(hub: Hub, operation: str) -> None:
    for account in (ACCOUNT_A, ACCOUNT_B):  # the same names in both accounts
        fill(hub, account, {"s1": ["t1", "t2"], "s2": ["t1"]})
        for app in ("app-1", "app-2"):
            call(hub, "NotifyApplicationState", {"ApplicationId": app, "Status": "IN_PROGRESS"}, account=account)
    _, extra = LISTINGS[operation]
    token = call(hub, operation, dict(extra, MaxResults=1), account=ACCOUNT_A)["NextToken"]
    call(hub, operation, dict(extra, MaxResults=1, NextToken=token), account=ACCOUNT_A)
    with pytest.raises(InvalidInputException, match="NextToken"):
        call(hub, operation, dict(extra, MaxResults=1, NextToken=token), account=ACCOUNT_B)


def test_task_api_token_is_refused_for_another_account_or_filter(hub: Hub) -> None:
    for account in (ACCOUNT_A, ACCOUNT_B):
        fill(hub, account, {"s1": ["t1", "t2"]})
    token = api(hub, {"max_results": "1"}, account=ACCOUNT_A)["NextToken"]
    with pytest.raises(InvalidInputException, match="next_token"):
        api(hub, {"max_results": "1", "next_token": token}, account=ACCOUNT_B)
    with pytest.raises(InvalidInputException, match="next_token"):
        api(hub, {"max_results": "1", "next_token": token, "stream": "s1"}, account=ACCOUNT_A)
    # and an AWS listing's token is no good here
    aws_token = call(hub, "ListMigrationTasks", {"MaxResults": 1})["NextToken"]
    with pytest.raises(InvalidInputException, match="next_token"):
        api(hub, {"next_token": aws_token})


# -- forged tokens: refused, never a 500 ------------------------------------------------------

# What the unsealed tokens held: (scope, key). Keys of the wrong types must be refused.
BAD_KEYS = [[True], [None], [18446744073709551615], [True, None], [None, 18446744073709551615], ["a", True]]


def forged(scope: str, key: list[Any]) -> str:
    return base64.b64encode(orjson.dumps({"s": scope, "k": key})).decode()


def _listings(task_id: int) -> list[tuple[str, dict[str, Any], str]]:
    task = {"ProgressUpdateStream": "s1", "MigrationTaskName": "t1"}
    return [
        ("ListProgressUpdateStreams", {}, "ListProgressUpdateStreams"),
        ("ListMigrationTasks", {}, "ListMigrationTasks/"),
        ("ListMigrationTasks", {"ResourceName": CONFIGURATION}, f"ListMigrationTasks/{CONFIGURATION}"),
        ("ListMigrationTaskUpdates", task, f"ListMigrationTaskUpdates/{task_id}"),
        ("ListCreatedArtifacts", task, f"created_artifact/{task_id}"),
        ("ListDiscoveredResources", task, f"discovered_resource/{task_id}"),
        ("ListSourceResources", task, f"source_resource/{task_id}"),
        ("ListApplicationStates", {}, "ListApplicationStates/*"),
        ("DescribeHomeRegionControls", {}, "DescribeHomeRegionControls"),
    ]


@pytest.mark.parametrize("key", BAD_KEYS, ids=lambda k: orjson.dumps(k).decode())
def test_forged_tokens_are_refused_by_every_listing(hub: Hub, key: list[Any]) -> None:
    fill(hub, ACCOUNT_A, {"s1": ["t1"]}, configuration=CONFIGURATION)
    task_id = hub.store.read(lambda tx: tx.task(ACCOUNT_A, "s1", "t1").id)
    for operation, body, scope in _listings(task_id):
        # Every arity, so the old decoder would have passed the key on to the store.
        for padded in (key, (key * 2)[:2], key[:1]):
            with pytest.raises(InvalidInputException, match="NextToken"):
                call(hub, operation, dict(body, NextToken=forged(scope, padded)))
    for padded in (key, (key * 2)[:2]):
        with pytest.raises(InvalidInputException, match="next_token"):
            api(hub, {"next_token": forged("tasks/None/None/None", padded)})


TYPED = [
    ((str, str), [True, "x"]),
    ((str, str), [None, "x"]),
    ((str, str), ["x", 1]),
    ((str, str), ["x"]),
    ((str, str), ["x", "y", "z"]),
    ((int, int), [18446744073709551615, 1]),
    ((int, int), [2**63, 1]),
    ((int, int), [True, 1]),
    ((int, int), ["1", 1]),
    ((int, int), [1.5, 1]),
    ((str,), [["nested"]]),
    ((str,), [{"a": 1}]),
]


@pytest.mark.parametrize(("types", "key"), TYPED, ids=repr)
def test_a_sealed_key_of_the_wrong_types_is_refused(store: Store, types: tuple[type, ...], key: list[Any]) -> None:
    """Even a token sealed with the hub's own key opens only into the listing's types."""
    pages = pagination.Tokens(store.token_key).pages(pagination.Listing("L", types), ACCOUNT_A)
    with pytest.raises(InvalidInputException, match="NextToken"):
        pages.open(pages.seal(key))


def test_a_sealed_key_of_the_right_types_opens() -> None:
    pages = pagination.Tokens(bytes(64)).pages(pagination.Listing("L", (str, int)), ACCOUNT_A, "filter")
    assert pages.open(pages.seal(("stream", 2**63 - 1))) == ("stream", 2**63 - 1)
    # Deterministic: the same page always ends with the same token (the aws CLI's and
    # boto3's paginators compare them, and tests compare mighub's output with the aws CLI's).
    assert pages.seal(("stream", 1)) == pages.seal(("stream", 1)) != pages.seal(("stream", 2))
    other = pagination.Tokens(bytes(64)).pages(pagination.Listing("L", (str, int)), ACCOUNT_A, "other filter")
    with pytest.raises(InvalidInputException):
        other.open(pages.seal(("stream", 1)))


@pytest.mark.parametrize("size", [1, 200, 1100, 1400, 1500])
def test_long_keys_still_make_tokens_the_model_accepts(hub: Hub, size: int) -> None:
    """Padding never pushes a token past the model's 2,048 characters (the next
    call is validated against it)."""
    fill(hub, ACCOUNT_A, {"s1": ["t1"]})
    task = {"ProgressUpdateStream": "s1", "MigrationTaskName": "t1"}
    names = [f"{i}{'d' * (size - 1)}" for i in range(3)]
    for name in names:
        call(hub, "AssociateDiscoveredResource", dict(task, DiscoveredResource={"ConfigurationId": name}))
    rows, tokens = walk(
        lambda token: call(
            hub, "ListDiscoveredResources", dict(task, MaxResults=1, **({"NextToken": token} if token else {}))
        ),
        "DiscoveredResourceList",
    )
    assert [r["ConfigurationId"] for r in rows] == names
    assert all(len(token) <= 2048 for token in tokens)


# -- the key --------------------------------------------------------------------------------


def test_the_token_key_is_kept_in_the_database(databases: Any, tmp_path: Path) -> None:
    """One key per database, the same for every store opened on it; another database has its own."""
    urls = [databases.fresh_url(tmp_path, name) for name in ("one.sqlite3", "two.sqlite3")]
    keys = []
    for url in (urls[0], urls[0], urls[1]):
        store = Store(url)
        keys.append(store.token_key)
        store.close()
    assert len(keys[0]) == 64
    assert keys[0] == keys[1] != keys[2]
