"""Reading the hub for the people commands.

Tasks come from the hub's own ``/_mighub/api/tasks`` (the AWS API has no stale
flag or deadline), signed with SigV4 like any AWS call so the same credentials
and policies apply; streams come from ``ListProgressUpdateStreams``. Endpoint,
credentials and region are found exactly as for the aws-compatible commands.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..aws.client import Connection
from ..aws.globals import GlobalOptions
from .printable import printable


class HubError(Exception):
    """The hub could not be read; the message says why, for a person."""


@dataclass
class Hub:
    connection: Connection

    @classmethod
    def from_options(cls, endpoint_url: str | None, region: str | None, profile: str | None) -> Hub:
        return cls(Connection(GlobalOptions(endpoint_url=endpoint_url, region=region, profile=profile)))

    @property
    def endpoint(self) -> str:
        return self.connection.endpoint_url("mgh").rstrip("/")

    def tasks(
        self, *, stream: str | None = None, status: str | None = None, stale: bool | None = None
    ) -> list[dict[str, Any]]:
        """Every task matching the filters, all pages."""
        rows: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            query: dict[str, str] = {"max_results": "1000"}
            if stream:
                query["stream"] = stream
            if status:
                query["status"] = status
            if stale is not None:
                query["stale"] = "true" if stale else "false"
            if token:
                query["next_token"] = token
            page = self._get("/_mighub/api/tasks", query)
            rows.extend(page.get("Tasks", []))
            token = page.get("NextToken")
            if not token:
                return rows

    def streams(self) -> list[str]:
        client = self.connection.client("mgh")
        names: list[str] = []
        for page in client.get_paginator("list_progress_update_streams").paginate():
            names += [s["ProgressUpdateStreamName"] for s in page.get("ProgressUpdateStreamSummaryList", [])]
        return names

    def _get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        return self.request("GET", path, query)

    def request(
        self, method: str, path: str, query: dict[str, str] | None = None, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A call to the hub's own API, signed like an AWS call; its JSON answer."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        url = f"{self.endpoint}{path}" + (f"?{urlencode(sorted(query.items()))}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        request = AWSRequest(method=method, url=url, data=data, headers=headers)
        credentials = self.connection.credentials(self.endpoint)
        if credentials is not None:
            region = self.connection.configured_region() or self.connection.home_region(self.endpoint)
            SigV4Auth(credentials.get_frozen_credentials(), "mgh", region).add_auth(request)
        prepared = urllib.request.Request(url, data=data, headers=dict(request.headers.items()), method=method)
        try:
            with urllib.request.urlopen(prepared, timeout=30) as response:
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read()).get("message", "")
            except ValueError:
                detail = ""
            raise HubError(f"the hub at {self.endpoint} answered {exc.code}: {printable(detail)}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise HubError(
                f"cannot reach a hub at {self.endpoint} ({reason}); start one with `mighub serve` "
                "or point --endpoint-url at yours"
            ) from None
