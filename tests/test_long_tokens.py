"""Every listing pages through every key the model allows, with tokens the model
accepts back.

A ``NextToken`` may be 2,048 characters of base64: 1,520 bytes of sealed key. A
ConfigurationId, ApplicationId or created-artifact or source-resource name may be
1,600 characters (6,400 bytes); a page ending on one gets a token that carries
its first characters and its digest, and the next page resumes after the row of
that digest. In process (``Hub.call`` over a real store, on both engines): the
tokens and the pages are the point, not the wire.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mighub.context import RequestContext
from mighub.errors import InvalidInputException
from mighub.models import operations_by_target
from mighub.provider import pagination
from mighub.server import extensions
from mighub.server.hub import Hub
from mighub.store.engine import Store

ACCOUNT = "111122223333"
TOKEN = re.compile(r"[a-zA-Z0-9/+=]{0,2048}")  # the model's Token
ARN = "arn:aws:ec2:us-east-1:123456789012:"
TASK = {"ProgressUpdateStream": "s1", "MigrationTaskName": "t1"}

_RANDOM = random.Random(7)


def emoji(count: int) -> str:
    """``count`` random four-byte characters: incompressible, so PostgreSQL stores
    them at full length (see test_large_values)."""
    return "".join(chr(_RANDOM.randint(0x10000, 0x10FFFF)) for _ in range(count))


def long_keys(prefix: str = "") -> tuple[list[str], list[str]]:
    """25 keys of 1,600 characters, shuffled (the hub must put them in order), and
    the 10 of them that share their first 1,200 characters, far more than a
    token carries, so that only the full key tells them apart."""
    length = 1600 - len(prefix)
    common = prefix + emoji(1200)
    shared = [common + emoji(length - 1200) for _ in range(10)]
    keys = [prefix + emoji(length) for _ in range(15)] + shared
    _RANDOM.shuffle(keys)
    assert len(set(keys)) == 25
    return keys, bytewise(shared)


def bytewise(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode())


@pytest.fixture
def hub(databases: Any, tmp_path: Path) -> Iterator[Hub]:
    url = databases.fresh_url(tmp_path)
    store = Store(url)
    yield Hub(store)
    store.close()


def call(hub: Hub, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    ctx = RequestContext(
        operation=operations_by_target()[f"AWSMigrationHub.{operation}"], account_id=ACCOUNT, region="us-east-1"
    )
    return asyncio.run(hub.call(ctx, body))


def walk(hub: Hub, operation: str, body: dict[str, Any], list_key: str) -> tuple[list[Any], list[str]]:
    """Every item and every token of a listing, one page after the other; each
    token is one the model accepts (the next call is validated against it)."""
    items: list[Any] = []
    tokens: list[str] = []
    token = None
    for _ in range(200):
        page = call(hub, operation, dict(body, **({"NextToken": token} if token else {})))
        items += page[list_key]
        token = page.get("NextToken")
        if not token:
            return items, tokens
        assert TOKEN.fullmatch(token), (len(token), token[:80])
        tokens.append(token)
    raise AssertionError("pagination never ended")


def a_task(hub: Hub) -> None:
    call(hub, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": TASK["ProgressUpdateStream"]})
    call(hub, "ImportMigrationTask", TASK)


# (associate, its member, its key, list, list key, disassociate, its argument, what keys begin with)
ASSOCIATIONS = [
    (
        "AssociateCreatedArtifact",
        "CreatedArtifact",
        "Name",
        "ListCreatedArtifacts",
        "CreatedArtifactList",
        "DisassociateCreatedArtifact",
        "CreatedArtifactName",
        ARN,
    ),
    (
        "AssociateDiscoveredResource",
        "DiscoveredResource",
        "ConfigurationId",
        "ListDiscoveredResources",
        "DiscoveredResourceList",
        "DisassociateDiscoveredResource",
        "ConfigurationId",
        "",
    ),
    (
        "AssociateSourceResource",
        "SourceResource",
        "Name",
        "ListSourceResources",
        "SourceResourceList",
        "DisassociateSourceResource",
        "SourceResourceName",
        "",
    ),
]


def associated(hub: Hub, case: tuple[str, ...]) -> tuple[list[str], list[str]]:
    associate, member, field, *_, prefix = case
    a_task(hub)
    keys, shared = long_keys(prefix)
    for key in keys:
        call(hub, associate, dict(TASK, **{member: {field: key}}))
    return keys, shared


@pytest.mark.parametrize("max_results", [1, 10])
@pytest.mark.parametrize("case", ASSOCIATIONS, ids=[c[3] for c in ASSOCIATIONS])
def test_associations_page_through_the_longest_keys(hub: Hub, case: tuple[str, ...], max_results: int) -> None:
    _, _, field, list_op, list_key, *_ = case
    keys, _ = associated(hub, case)
    items, tokens = walk(hub, list_op, dict(TASK, MaxResults=max_results), list_key)
    assert [i[field] for i in items] == bytewise(keys)  # each once, in bytewise order
    assert len(tokens) == -(-25 // max_results) - 1


@pytest.mark.parametrize("max_results", [1, 7])
def test_application_states_page_through_the_longest_ids(hub: Hub, max_results: int) -> None:
    keys, _ = long_keys()
    for key in keys:
        call(hub, "NotifyApplicationState", {"ApplicationId": key, "Status": "IN_PROGRESS"})
    items, tokens = walk(hub, "ListApplicationStates", {"MaxResults": max_results}, "ApplicationStateList")
    assert [i["ApplicationId"] for i in items] == bytewise(keys)
    assert tokens
    # Filtered to a set of ids too (the filter is bound to the token, not carried in it).
    some = bytewise(keys)[::2]
    items, _ = walk(
        hub, "ListApplicationStates", {"ApplicationIds": some, "MaxResults": max_results}, "ApplicationStateList"
    )
    assert [i["ApplicationId"] for i in items] == some


@pytest.mark.parametrize("case", ASSOCIATIONS, ids=[c[3] for c in ASSOCIATIONS])
def test_a_page_ending_on_a_key_removed_before_the_next_call(hub: Hub, case: tuple[str, ...]) -> None:
    """The next page resumes after the first characters the token carries: items
    of the same beginning may come again, none is skipped, nothing fails."""
    _, _, field, list_op, list_key, disassociate, argument, _ = case
    keys, shared = associated(hub, case)
    ordered = bytewise(keys)
    removed = shared[4]  # inside the group: keys of the same 1,200 first characters on either side
    body = dict(TASK, MaxResults=1)
    seen: list[str] = []
    token = None
    while not seen or seen[-1] != removed:
        page = call(hub, list_op, dict(body, **({"NextToken": token} if token else {})))
        seen += [i[field] for i in page[list_key]]
        token = page["NextToken"]
    call(hub, disassociate, dict(TASK, **{argument: removed}))

    rest, _ = walk(hub, list_op, dict(body, NextToken=token), list_key)
    rest = [i[field] for i in rest]
    assert rest == bytewise(rest)
    after = ordered[ordered.index(removed) + 1 :]
    assert rest[-len(after) :] == after  # nothing after the removed key is skipped
    # What comes again is only what sorts between the carried beginning and the removed key.
    assert set(rest) - set(after) <= set(shared[:4])
    assert len(rest) > len(after)  # (it does come again: 1,200 shared characters are more than a token holds)

    # Unremoved, the same token resumes exactly after the key.
    call(hub, case[0], dict(TASK, **{case[1]: {field: removed}}))
    again, _ = walk(hub, list_op, dict(body, NextToken=token), list_key)
    assert [i[field] for i in again] == after


# -- tasks: names JSON would escape ------------------------------------------------------

# A stream of 50 four-byte characters, tasks of 256: the longest keys in UTF-8. Or tasks
# of 256 control characters, which JSON writes as \u0001: six bytes each.
NAMES = {
    "four-byte": lambda i: emoji(255) + chr(0x10000 + i),
    "controls": lambda i: "".join(chr(_RANDOM.randint(1, 31)) for _ in range(255)) + chr(0x41 + i),
}


@pytest.mark.parametrize("names", list(NAMES))
def test_tasks_page_through_the_longest_names(hub: Hub, names: str) -> None:
    stream = emoji(50)
    tasks = sorted(NAMES[names](i) for i in range(3))
    call(hub, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": stream})
    for task in tasks:
        call(hub, "ImportMigrationTask", {"ProgressUpdateStream": stream, "MigrationTaskName": task})
    items, tokens = walk(hub, "ListMigrationTasks", {"MaxResults": 1}, "MigrationTaskSummaryList")
    assert [(i["ProgressUpdateStream"], i["MigrationTaskName"]) for i in items] == [(stream, t) for t in tasks]
    assert len(tokens) == 2

    found: list[Any] = []
    token = None
    ctx = RequestContext(
        operation=operations_by_target()["AWSMigrationHub.ListMigrationTasks"], account_id=ACCOUNT, region="us-east-1"
    )
    while True:
        query = {"max_results": "1", **({"next_token": token} if token else {})}
        page = asyncio.run(extensions.list_tasks(hub, ctx, query))
        found += [i["MigrationTaskName"] for i in page["Tasks"]]
        if not (token := page.get("NextToken")):
            break
        assert TOKEN.fullmatch(token)
    assert found == tasks


# -- the tokens themselves --------------------------------------------------------------------

LONG = pagination.Listing("L", (str,), long=True)


def test_a_cut_key_opens_only_for_a_listing_of_long_keys() -> None:
    tokens = pagination.Tokens(bytes(64))
    token = tokens.pages(LONG, ACCOUNT).seal(("x" * 3000,))
    assert TOKEN.fullmatch(token)
    with pytest.raises(InvalidInputException, match="NextToken"):
        tokens.pages(pagination.Listing("L", (str,)), ACCOUNT).open(token)
    cut = tokens.pages(LONG, ACCOUNT).open(token)
    assert isinstance(cut, pagination.Cut)
    assert cut.head[0] == "x" * len(cut.head[0]) and 1000 < len(cut.head[0]) < 1520


def test_a_key_too_long_for_a_listing_of_short_keys_is_never_sealed() -> None:
    with pytest.raises(RuntimeError, match="too long"):
        pagination.Tokens(bytes(64)).pages(pagination.Listing("L", (str,)), ACCOUNT).seal(("x" * 3000,))


@pytest.mark.parametrize(
    "key",
    [
        [["x", b"d" * 31]],
        [["x", b"d" * 32, "more"]],
        [[1, b"d" * 32]],
        [["x", "d" * 32]],
        [[b"x", b"d" * 32]],
        [["x"]],
    ],
    ids=repr,
)
def test_a_malformed_cut_key_is_refused(key: list[Any]) -> None:
    pages = pagination.Tokens(bytes(64)).pages(LONG, ACCOUNT)
    with pytest.raises(InvalidInputException, match="NextToken"):
        pages.open(pages.seal(key))


def test_a_cut_key_is_cut_at_a_character_boundary() -> None:
    pages = pagination.Tokens(bytes(64)).pages(LONG, ACCOUNT)
    for key in ("\U0001f600" * 1600, "é" * 1600, "a" * 1599 + "\U0001f600"):
        token = pages.seal((key,))
        assert TOKEN.fullmatch(token)
        cut = pages.open(token)
        assert isinstance(cut, pagination.Cut) and key.startswith(cut.head[0])
