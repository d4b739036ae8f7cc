"""The HTTP server the hub runs in: uvicorn's, told about the hub's endless answers."""

from __future__ import annotations

from typing import Any

import uvicorn

from .app import App


class HubServer(uvicorn.Server):
    """uvicorn's server, which also ends the hub's event streams as it begins to
    stop: it waits for every answer in progress to finish, and theirs never would."""

    def __init__(self, config: uvicorn.Config, app: App) -> None:
        super().__init__(config)
        self.hub_app = app

    async def shutdown(self, sockets: Any = None) -> None:
        self.hub_app.stop_streams()
        await super().shutdown(sockets)
