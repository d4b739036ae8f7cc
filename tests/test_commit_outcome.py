"""A connection lost during COMMIT: every acknowledged write is there, exactly once.

PostgreSQL only. The store talks to its database through a relay that, when told,
cuts the connection that next sends ``COMMIT``: either before passing it on (the
commit never lands) or once the server has answered it (the commit landed, and
the hub never heard). The hub runs in process (``Hub.call`` over a ``Store``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from mighub.context import RequestContext
from mighub.models import operations_by_target
from mighub.server.hub import Hub
from mighub.store.engine import Commit, Store

# The simple-query message psycopg sends for a commit: 'Q', its length, the text.
COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"
T0 = 1_800_000_000


class CommitCutter:
    """A TCP relay to PostgreSQL that cuts one connection at its next COMMIT."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._armed: str | None = None
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, when: str) -> None:
        """``before``: the COMMIT never reaches the server; ``after``: it does,
        and the server's answer never reaches the client."""
        with self._lock:
            self._armed = when

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            pair = {"client": client, "upstream": upstream, "committed": False}
            threading.Thread(target=self._up, args=(pair,), daemon=True).start()
            threading.Thread(target=self._down, args=(pair,), daemon=True).start()

    def _take(self) -> str | None:
        with self._lock:
            when, self._armed = self._armed, None
            return when

    def _cut(self, pair: dict[str, Any]) -> None:
        with self._lock:
            self.cuts += 1
        for sock in (pair["client"], pair["upstream"]):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _up(self, pair: dict[str, Any]) -> None:
        try:
            while data := pair["client"].recv(65536):
                if COMMIT in data:
                    when = self._take()
                    if when == "before":
                        return self._cut(pair)
                    pair["committed"] = when == "after"
                pair["upstream"].sendall(data)
        except OSError:
            pass

    def _down(self, pair: dict[str, Any]) -> None:
        try:
            while data := pair["upstream"].recv(65536):
                if pair["committed"]:  # the answer to that COMMIT: drop it
                    return self._cut(pair)
                pair["client"].sendall(data)
        except OSError:
            pass


@pytest.fixture
def cut_hub(databases: Any) -> Iterator[tuple[Hub, CommitCutter]]:
    if databases.backend != "postgresql":
        pytest.skip("a connection lost during COMMIT is a PostgreSQL matter")
    url = make_url(databases.create())
    cutter = CommitCutter((url.host or "127.0.0.1", url.port or 5432))
    store = Store(url.set(port=cutter.port).render_as_string(hide_password=False), writers=1)
    yield Hub(store), cutter
    store.close()
    cutter.close()


def call(hub: Hub, operation: str, **body: Any) -> dict[str, Any]:
    ctx = RequestContext(operation=operations_by_target()[f"AWSMigrationHub.{operation}"])
    return asyncio.run(hub.call(ctx, body))


async def _notify(hub: Hub, second: int) -> dict[str, Any]:
    ctx = RequestContext(operation=operations_by_target()["AWSMigrationHub.NotifyMigrationTaskState"])
    body = {
        "ProgressUpdateStream": "s",
        "MigrationTaskName": "t",
        "UpdateDateTime": T0 + second,
        "Task": {"Status": "IN_PROGRESS", "ProgressPercent": second % 101},
        "NextUpdateSeconds": 60,
    }
    return await hub.call(ctx, body)


def history(hub: Hub) -> list[int]:
    seconds: list[int] = []
    token: dict[str, Any] = {}
    while True:
        page = call(hub, "ListMigrationTaskUpdates", ProgressUpdateStream="s", MigrationTaskName="t", **token)
        seconds += [int(u["UpdateDateTime"].timestamp()) - T0 for u in page["MigrationTaskUpdateList"]]
        if "NextToken" not in page:
            return seconds
        token = {"NextToken": page["NextToken"]}


def test_each_acknowledged_notification_is_recorded_once(cut_hub: tuple[Hub, CommitCutter]) -> None:
    hub, cutter = cut_hub
    call(hub, "CreateProgressUpdateStream", ProgressUpdateStreamName="s")
    call(hub, "ImportMigrationTask", ProgressUpdateStream="s", MigrationTaskName="t")
    acknowledged = []
    for second in range(1, 13):
        cutter.arm(("after", "before", None)[second % 3])
        asyncio.run(_notify(hub, second))  # raises if the hub answered an error
        acknowledged.append(second)
    assert cutter.cuts == 8
    assert history(hub) == acknowledged


def test_a_batch_whose_commit_landed_is_answered_as_committed(cut_hub: tuple[Hub, CommitCutter]) -> None:
    hub, cutter = cut_hub
    call(hub, "CreateProgressUpdateStream", ProgressUpdateStreamName="s")
    call(hub, "ImportMigrationTask", ProgressUpdateStream="s", MigrationTaskName="t")

    async def many() -> list[Any]:
        # Concurrent notifications share one transaction, each unit in its savepoint.
        return await asyncio.gather(*(_notify(hub, s) for s in range(1, 41)))

    cutter.arm("after")
    assert asyncio.run(many()) == [{}] * 40
    assert cutter.cuts == 1
    assert sorted(history(hub)) == list(range(1, 41))


def test_a_disassociation_whose_commit_landed_succeeds(cut_hub: tuple[Hub, CommitCutter]) -> None:
    hub, cutter = cut_hub
    call(hub, "CreateProgressUpdateStream", ProgressUpdateStreamName="s")
    call(hub, "ImportMigrationTask", ProgressUpdateStream="s", MigrationTaskName="t")
    task = {"ProgressUpdateStream": "s", "MigrationTaskName": "t"}
    call(
        hub,
        "AssociateCreatedArtifact",
        **task,
        CreatedArtifact={"Name": "arn:aws:ec2:us-east-1:123456789012:image/ami-1"},
    )
    cutter.arm("after")
    # Run again after a commit that landed, it would find nothing to remove.
    call(
        hub, "DisassociateCreatedArtifact", **task, CreatedArtifactName="arn:aws:ec2:us-east-1:123456789012:image/ami-1"
    )
    assert cutter.cuts == 1
    assert call(hub, "ListCreatedArtifacts", **task)["CreatedArtifactList"] == []


def test_a_commit_is_reported_once_whether_its_answer_was_lost_or_it_ran_again(
    cut_hub: tuple[Hub, CommitCutter],
) -> None:
    hub, cutter = cut_hub
    call(hub, "CreateProgressUpdateStream", ProgressUpdateStreamName="s")
    call(hub, "ImportMigrationTask", ProgressUpdateStream="s", MigrationTaskName="t")
    seen: list[Commit] = []
    hub.store.on_commit(seen.append)
    for second, cut in ((1, "after"), (2, "before")):  # landed unheard; never landed, so run again
        seen.clear()
        cutter.arm(cut)
        asyncio.run(_notify(hub, second))
        assert [(c.units, c.event_types) for c in seen] == [(1, ["migration_task.state_changed"])], cut
    assert cutter.cuts == 2
