"""``mighub webhooks``: the endpoints that receive the hub's events.

Each command is one call to the hub's ``/_mighub/api/webhooks`` API, signed like
an AWS call (the key needs ``mighub:ManageWebhooks``); the answer is printed as
JSON. ``create`` and ``rotate-secret`` print the endpoint's secret: the only
time it is shown.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from .people import connection_options

API = "/_mighub/api/webhooks"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "webhooks",
        help="endpoints that receive the hub's events, signed (Standard Webhooks)",
        description="Manage the HTTP endpoints the hub delivers its events to. Each delivery is "
        "signed by the Standard Webhooks specification (webhook-id, webhook-timestamp, "
        "webhook-signature) with the endpoint's secret.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    create = _command(commands, "create", "add an endpoint; prints it with its secret (shown this once)", _create)
    create.add_argument("--url", required=True, help="where to POST the events (http or https)")
    create.add_argument(
        "--type",
        dest="types",
        action="append",
        default=[],
        metavar="TYPE",
        help="only events of this type, or family (migration_task.*); repeatable (default: every type)",
    )
    create.add_argument(
        "--stream",
        dest="streams",
        action="append",
        default=[],
        metavar="NAME",
        help="only events of this progress update stream; repeatable (default: every stream)",
    )
    create.add_argument("--description", help="what the endpoint is for")

    _command(commands, "list", "the account's endpoints", lambda hub, args: hub.request("GET", API))
    for name, verb, summary in (
        ("show", "", "one endpoint"),
        ("delete", "", "remove an endpoint"),
        ("disable", "disable", "stop delivering to an endpoint (events wait for it)"),
        ("enable", "enable", "start delivering again, from where it stopped"),
        ("rotate-secret", "rotate-secret", "a new secret; the old one also signs for 24 hours"),
        ("test", "test", "send a ping event now and show what came of it"),
    ):
        _command(commands, name, summary, _by_id(name, verb)).add_argument("id", help="the endpoint's id (ep_…)")

    deliveries = _command(commands, "deliveries", "the endpoint's delivery attempts, newest first", _deliveries)
    deliveries.add_argument("id", help="the endpoint's id (ep_…)")
    deliveries.add_argument("--limit", type=int, default=100, help="how many (default 100, at most 1000)")

    redeliver = _command(commands, "redeliver", "send events again", _redeliver)
    redeliver.add_argument("id", help="the endpoint's id (ep_…)")
    which = redeliver.add_mutually_exclusive_group(required=True)
    which.add_argument("--event", metavar="CURSOR", help="this one event (its cursor)")
    which.add_argument("--since", metavar="TIME", help="every event since this ISO 8601 time, in order")


Call = Callable[[Any, argparse.Namespace], dict[str, Any]]


def _command(commands: Any, name: str, summary: str, call: Call) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary[:1].upper() + summary[1:] + "."
    )
    connection_options(parser)
    parser.set_defaults(handler=lambda args: _run(call, args))
    return parser


def _create(hub: Any, args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"url": args.url, "types": args.types, "streams": args.streams}
    if args.description is not None:
        body["description"] = args.description
    return dict(hub.request("POST", API, body=body))


def _by_id(name: str, verb: str) -> Call:
    method = {"show": "GET", "delete": "DELETE"}.get(name, "POST")

    def call(hub: Any, args: argparse.Namespace) -> dict[str, Any]:
        path = f"{API}/{args.id}" + (f"/{verb}" if verb else "")
        return dict(hub.request(method, path))

    return call


def _deliveries(hub: Any, args: argparse.Namespace) -> dict[str, Any]:
    return dict(hub.request("GET", f"{API}/{args.id}/deliveries", {"limit": str(args.limit)}))


def _redeliver(hub: Any, args: argparse.Namespace) -> dict[str, Any]:
    body = {"event": args.event} if args.event is not None else {"since": args.since}
    return dict(hub.request("POST", f"{API}/{args.id}/redeliver", body=body))


def _run(call: Call, args: argparse.Namespace) -> int:
    from .people.fetch import Hub, HubError

    hub = Hub.from_options(args.endpoint_url, args.region, args.profile)
    try:
        answer = call(hub, args)
    except HubError as exc:
        print(f"mighub: {exc}", file=sys.stderr)
        return 255
    print(json.dumps(answer, indent=4))
    return 0
