"""The request pipeline and answers that have already begun, in process.

An event stream sends its headers before it reads the log. Should the log fail
after that (the database gone mid-stream), the pipeline cannot answer an error
any more: it ends the stream, which a client reconnects from, instead of
starting a second answer on the same request.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from mighub.errors import ServiceUnavailableException
from mighub.server import sse
from mighub.server.app import App
from mighub.server.hub import Hub
from mighub.store.engine import Store


def test_a_stream_that_fails_after_its_headers_is_ended_not_answered_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_catch_up(self: Any, send: Any, last: int, until: int) -> int:
        raise ServiceUnavailableException("The hub's database is unavailable; retry later")

    monkeypatch.setattr(sse.EventStream, "_catch_up", failing_catch_up)
    store = Store(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    app = App(Hub(store))
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:  # the (empty) request, then a client that stays
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def run() -> None:
        feed = asyncio.create_task(app.hub.feed.run())
        await asyncio.sleep(0)  # the feed starts
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/_mighub/events",
            "query_string": b"after=0",
            "headers": [(b"host", b"127.0.0.1")],
        }
        await asyncio.wait_for(app(scope, receive, send), 10)
        feed.cancel()

    try:
        asyncio.run(run())
    finally:
        store.close()
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1 and starts[0]["status"] == 200
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
