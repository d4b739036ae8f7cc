"""Commands for people, which the aws CLI lacks: ``tasks``, ``watch``, ``streams``."""

from __future__ import annotations

import argparse
import json
import sys
import time

from ...models import task_statuses


def connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hub")
    group.add_argument("--endpoint-url", help="the hub (default: as for `mighub mgh`, else http://127.0.0.1:7676)")
    group.add_argument(
        "--region", help="region to sign for (default: the usual AWS sources, else the hub's home region)"
    )
    group.add_argument("--profile", help="a profile of the AWS config and credentials files")


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stream", help="only tasks of this progress update stream")
    parser.add_argument("--status", choices=task_statuses(), help="only tasks with this status")
    stale = parser.add_mutually_exclusive_group()
    stale.add_argument(
        "--stale",
        dest="stale",
        action="store_const",
        const=True,
        default=None,
        help="only stale tasks: past their promised update, not finished",
    )
    stale.add_argument("--fresh", dest="stale", action="store_const", const=False, help="only tasks that are not stale")


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from .render import SORT_KEYS

    tasks = subparsers.add_parser(
        "tasks",
        help="table of migration tasks with progress and stale flags",
        description="Show migration tasks: stream, task, status, a progress bar, detail, last update and "
        "whether the task is stale (it missed the update its tool promised and is not finished).",
    )
    _filters(tasks)
    tasks.add_argument("--sort", choices=SORT_KEYS, default="stream", help="order of the rows (default stream)")
    tasks.add_argument("--reverse", action="store_true", help="reverse the order")
    tasks.add_argument(
        "--output",
        choices=("table", "text", "json"),
        default=None,
        help="table on a terminal, text when piped (default)",
    )
    connection_options(tasks)
    tasks.set_defaults(handler=run_tasks)

    watch = subparsers.add_parser(
        "watch",
        help="the task table, refreshing live until Ctrl-C",
        description="Show the task table and a summary line (counts by status, overall percent "
        "complete, stale count), refreshed until Ctrl-C.",
    )
    _filters(watch)
    watch.add_argument("--sort", choices=SORT_KEYS, default="stream")
    watch.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes (default 2)")
    connection_options(watch)
    watch.set_defaults(handler=run_watch)

    streams = subparsers.add_parser(
        "streams",
        help="progress update streams with their task counts",
        description="Show each progress update stream with its tasks by status, stale count and percent complete.",
    )
    streams.add_argument("--output", choices=("table", "text", "json"), default=None)
    connection_options(streams)
    streams.set_defaults(handler=run_streams)


def _hub(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .fetch import Hub

    return Hub.from_options(args.endpoint_url, args.region, args.profile)


def _output(args: argparse.Namespace) -> str:
    return args.output or ("table" if sys.stdout.isatty() else "text")


def run_tasks(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .fetch import HubError
    from .render import plain_tasks, sort_tasks, summary, task_table

    try:
        rows = _hub(args).tasks(stream=args.stream, status=args.status, stale=args.stale)
    except HubError as exc:
        print(f"mighub: {exc}", file=sys.stderr)
        return 255
    rows = sort_tasks(rows, args.sort, args.reverse)
    output = _output(args)
    if output == "json":
        print(json.dumps({"Tasks": rows}, indent=4))
    elif output == "text":
        print(plain_tasks(rows))
    else:
        console = Console()
        console.print(task_table(rows, console.width))
        console.print(summary(rows), style="bold")
    return 0


def run_watch(args: argparse.Namespace) -> int:
    from rich.console import Console, RenderableType
    from rich.live import Live

    from .fetch import HubError
    from .render import sort_tasks, watch_view

    hub = _hub(args)
    console = Console()

    def view() -> RenderableType:
        rows = hub.tasks(stream=args.stream, status=args.status, stale=args.stale)
        return watch_view(sort_tasks(rows, args.sort), hub.endpoint, args.interval, console.width)

    try:
        with Live(view(), console=console, refresh_per_second=4, screen=False) as live:
            while True:
                time.sleep(args.interval)
                live.update(view())
    except HubError as exc:
        print(f"mighub: {exc}", file=sys.stderr)
        return 255
    except KeyboardInterrupt:
        return 0


def run_streams(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .fetch import HubError
    from .render import plain_streams, stream_rows, stream_table

    hub = _hub(args)
    try:
        rows = stream_rows(hub.streams(), hub.tasks())
    except HubError as exc:
        print(f"mighub: {exc}", file=sys.stderr)
        return 255
    output = _output(args)
    if output == "json":
        print(json.dumps({"Streams": rows}, indent=4))
    elif output == "text":
        print(plain_streams(rows))
    else:
        Console().print(stream_table(rows))
    return 0
