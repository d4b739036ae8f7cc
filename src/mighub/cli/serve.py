"""``mighub serve``: run the hub."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import socket
import sys
from pathlib import Path

from ..loopback import is_loopback
from ..models import service_model
from ..server.limits import DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT
from .database import PRECEDENCE, Database, DatabaseChoiceError, choose_database, default_data_dir

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7676
DEFAULT_HOME_REGION = "us-east-1"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="run the hub: the AWS Migration Hub API on one HTTP endpoint",
        description="Run the hub: the AWS Migration Hub API (mgh and migrationhub-config) on one "
        "HTTP endpoint, storing everything in SQLite under the data directory unless --database "
        "names another database.",
        epilog=PRECEDENCE,
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="directory holding the SQLite database; beats $MIGHUB_DATABASE_URL and "
        "$MIGHUB_DATA_DIR (default: $MIGHUB_DATA_DIR, else the per-user data directory, here "
        f"{default_data_dir()})",
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="SQLAlchemy database URL; beats --data-dir and the environment (default: "
        "$MIGHUB_DATABASE_URL, else SQLite in the data directory)",
    )
    parser.add_argument(
        "--home-region",
        default=DEFAULT_HOME_REGION,
        metavar="REGION|none",
        help=f"home region given to every account that has none (default {DEFAULT_HOME_REGION}); "
        "'none' keeps AWS's behaviour: calls fail with HomeRegionNotSetException until "
        "CreateHomeRegionControl",
    )
    parser.add_argument(
        "--max-body-size",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="refuse request bodies larger than this (default 1048576)",
    )
    parser.add_argument(
        "--auth-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="TOML file of principals (keys and IAM-style policies); without it the hub runs in "
        "development mode: any credentials, one account, everything allowed",
    )
    parser.add_argument(
        "--audit-log",
        default=None,
        metavar="PATH|-",
        help="append one JSON line per API request to PATH ('-' for standard output)",
    )
    parser.add_argument("--tls-cert", type=Path, default=None, metavar="PEM", help="serve HTTPS with this certificate")
    parser.add_argument("--tls-key", type=Path, default=None, metavar="PEM", help="the certificate's private key")
    parser.add_argument(
        "--request-timeout",
        type=_positive_seconds,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="time a client has to send a whole request, headers and body, from its first byte "
        f"(default {DEFAULT_REQUEST_TIMEOUT:g}); a later one is answered 408 and its connection closed",
    )
    parser.add_argument(
        "--max-connections",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"connections served at once (default {DEFAULT_MAX_CONNECTIONS}, fewer if the open-file "
        "limit is lower); further ones are answered 503 and closed",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host name the hub answers for besides localhost, loopback addresses and --host "
        "(repeatable; '*.example.com' for every name under it, '*' for any); without --auth-file "
        "other names are refused, as a web page reaching the hub through DNS rebinding would send",
    )
    parser.add_argument(
        "--event-retention",
        type=_duration,
        default=DEFAULT_EVENT_RETENTION,
        metavar="DURATION",
        help="how long the event log keeps events, e.g. 30d, 12h, 90m, 3600 (seconds) (default 30d); "
        "a reader asking for older ones is told to resynchronise",
    )
    parser.add_argument(
        "--event-poll",
        type=_positive_seconds,
        default=0.5,
        metavar="SECONDS",
        help="how often live event streams look for events other replicas on the same database "
        "committed (default 0.5); this replica's own are sent at once",
    )
    parser.add_argument(
        "--webhook-retry-schedule",
        type=_schedule,
        default=None,
        metavar="WAITS",
        help="the waits before each delivery attempt of a webhook, comma-separated (default "
        "0,5s,5m,30m,2h,5h,10h,10h, Standard Webhooks' schedule); after the last the event is given up",
    )
    parser.add_argument(
        "--webhook-disable-after",
        type=_duration,
        default=5 * 86400.0,
        metavar="DURATION",
        help="disable a webhook endpoint whose deliveries have all failed for this long (default 5d)",
    )
    parser.add_argument(
        "--webhook-timeout",
        type=_positive_seconds,
        default=15.0,
        metavar="SECONDS",
        help="how long a webhook receiver has to answer (default 15); a replica that dies while "
        "delivering leaves its endpoints to the others after four times this",
    )
    parser.add_argument(
        "--webhook-refuse-private",
        action="store_true",
        help="refuse webhook URLs on loopback and private addresses (allowed by default: "
        "self-hosted receivers usually are)",
    )
    parser.add_argument(
        "--webhook-allow-link-local",
        action="store_true",
        help="allow webhook URLs on link-local and cloud metadata addresses (169.254.0.0/16, "
        "fd00:ec2::254), refused by default",
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="allow listening on a non-loopback address without an auth file",
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(handler=run)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


DEFAULT_EVENT_RETENTION = 30 * 24 * 3600.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(text: str) -> float:
    """A duration as ``30d``, ``12h``, ``90m``, ``45s`` or plain seconds."""
    number, unit = (text[:-1], text[-1]) if text[-1:] in _UNITS else (text, "s")
    try:
        value = float(number) * _UNITS[unit]
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30d, 12h, 90m or 3600 (seconds)")
    return value


def _schedule(text: str) -> tuple[float, ...]:
    waits = []
    for part in text.split(","):
        part = part.strip()
        waits.append(0.0 if part in ("0", "0s") else _duration(part))
    if not waits:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of waits like 0,5s,5m")
    return tuple(waits)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def run(args: argparse.Namespace) -> int:
    if not is_loopback(args.host) and args.auth_file is None and not args.insecure:
        print(
            f"mighub: refusing to listen on {args.host}: it is not a loopback address and no "
            "--auth-file is given, so anyone who can reach it could read and change every "
            "migration. Give --auth-file, listen on 127.0.0.1, or pass --insecure if the network "
            "is trusted.",
            file=sys.stderr,
        )
        return 2
    if (args.tls_cert is None) != (args.tls_key is None):
        print("mighub: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    auth_config = None
    if args.auth_file is not None:
        from ..auth.config import AuthFileError, load_auth_file

        try:
            auth_config = load_auth_file(args.auth_file)
        except AuthFileError as exc:
            print(f"mighub: {exc}", file=sys.stderr)
            return 2
    home_region = None if args.home_region.lower() == "none" else args.home_region
    if home_region is not None:
        pattern = service_model("migrationhub-config").shape_for("HomeRegion").metadata["pattern"]
        if not re.fullmatch(pattern, home_region):
            print(f"mighub: --home-region {home_region!r} is not a region name like us-east-1", file=sys.stderr)
            return 2

    try:
        database = choose_database(args.database, args.data_dir)
    except DatabaseChoiceError as exc:
        print(f"mighub: {exc}", file=sys.stderr)
        return 2
    url = database.url

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import uvicorn
    from sqlalchemy.exc import DBAPIError

    from ..server.app import App
    from ..server.hub import Hub, HubSettings
    from ..store.dialect import driver_message, profile
    from ..store.engine import Store
    from ..store.migrate import SchemaError

    try:
        store = Store(url, upgrade=profile(url).upgrades_itself)
    except SchemaError as exc:
        print(f"mighub: cannot use {database.shown}: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:
        print(f"mighub: cannot open the database {database.shown}: {driver_message(exc)}", file=sys.stderr)
        return 1
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(1024)
    except OSError as exc:
        store.close()
        print(f"mighub: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    endpoint = f"{'https' if args.tls_cert else 'http'}://{host}:{port}"

    from ..auth.audit import AuditLog
    from ..auth.gate import Gate
    from ..server import limits, protocol
    from ..server.hosts import HostPolicy
    from ..server.serving import HubServer
    from ..webhooks.delivery import DEFAULT_SCHEDULE, WebhookSettings
    from ..webhooks.safety import OutboundPolicy

    webhooks = WebhookSettings(
        retry_schedule=args.webhook_retry_schedule or DEFAULT_SCHEDULE,
        disable_after_seconds=args.webhook_disable_after,
        timeout_seconds=args.webhook_timeout,
        outbound=OutboundPolicy(
            allow_link_local=args.webhook_allow_link_local, refuse_private=args.webhook_refuse_private
        ),
    )
    settings = HubSettings(
        preset_home_region=home_region,
        event_retention_seconds=args.event_retention,
        event_poll_seconds=args.event_poll,
        webhooks=webhooks,
    )
    hub = Hub(store, settings)
    audit = AuditLog(args.audit_log) if args.audit_log else None
    gate = Gate(auth_config)
    # Signed requests cover their Host; unsigned development ones need the check.
    hosts = HostPolicy(args.allowed_host, served=args.host) if auth_config is None or args.allowed_host else None
    app = App(hub, max_body_size=args.max_body_size, gate=gate, audit=audit, hosts=hosts)
    max_connections = args.max_connections or limits.default_max_connections()
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        access_log=False,
        http=protocol.protocol_class(args.request_timeout, max_connections),
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        lifespan="on",
        timeout_graceful_shutdown=5,
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
    )
    server = HubServer(config, app)

    print(_banner(endpoint, database, home_region, auth_config, args.auth_file), flush=True)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal
    # to the handler that was there before: make that one end the run quietly,
    # so the store is closed and the exit is clean either way.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.auth_file is not None:
        _reload_on_hangup(gate, args.auth_file)
    try:
        server.run(sockets=[sock])
    except _Stopped:
        pass
    finally:
        store.close()
        if audit is not None:
            audit.close()
    print("mighub: stopped", flush=True)
    return 0


def _banner(
    endpoint: str,
    database: Database,
    home_region: str | None,
    auth_config: object | None,
    auth_file: Path | None,
) -> str:
    """What `serve` says on start: where it listens, where the data is, how to reach it."""
    region = home_region or "none (set one with CreateHomeRegionControl)"
    if auth_config is None:
        access = "development mode: any credentials, one account (000000000000), everything allowed"
        credentials = f"  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION={home_region or 'us-east-1'}\n"
    else:
        count = len(auth_config.principals)  # type: ignore[attr-defined]
        access = f"{count} principal(s) from {auth_file}; requests must be signed"
        credentials = "  export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...   # a key from the auth file\n"
    return (
        f"mighub {_version()} serving the AWS Migration Hub API at {endpoint}\n"
        f"  data:        {database.shown}\n"
        f"  home region: {region}\n"
        f"  access:      {access}\n"
        f"\n"
        f"Point the aws CLI and boto3 at it:\n"
        f"  export AWS_ENDPOINT_URL={endpoint}\n"
        f"{credentials}"
        f"then, for example:\n"
        f"  aws mgh list-progress-update-streams\n"
        f"  mighub tasks\n"
        f"  python -c \"import boto3; print(boto3.client('mgh').list_progress_update_streams())\"\n"
        f"Health: {endpoint}/_mighub/health    Tasks and stale flags: {endpoint}/_mighub/api/tasks\n"
        f"Live events: curl -N {endpoint}/_mighub/events    Metrics: {endpoint}/_mighub/metrics\n"
        f"Webhooks: mighub webhooks create --url URL   (see mighub webhooks --help)\n"
        f"Press Ctrl-C to stop."
    )


def _reload_on_hangup(gate: object, auth_file: Path) -> None:
    """``kill -HUP`` reloads the auth file; what changed is logged whatever --log-level says."""
    import asyncio

    from ..auth.reload import AuthReloader

    reloader = AuthReloader(gate, auth_file)  # type: ignore[arg-type]
    logging.getLogger("mighub.auth.reload").setLevel(logging.INFO)

    def hangup(signum: int, frame: object) -> None:
        # Python runs this between two bytecodes of whatever the loop was doing:
        # swap the file in between two of the loop's callbacks instead.
        try:
            asyncio.get_running_loop().call_soon(reloader.reload)
        except RuntimeError:  # not serving yet, or any more
            reloader.reload()

    signal.signal(signal.SIGHUP, hangup)


class _Stopped(Exception):
    pass


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def _version() -> str:
    from .. import __version__

    return __version__
