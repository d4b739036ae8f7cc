"""``mighub export``, ``mighub import`` and ``mighub db copy``: moving a hub's data.

The work is in ``mighub.store.portable``; this is the command line around it:
where the data comes from and goes to, a progress bar on a terminal, and a
one-line summary on stderr (stdout may be the export itself).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ..store.dialect import display_url
from .database import PRECEDENCE, DatabaseChoiceError, check_url, choose_database, default_data_dir

# How many records between progress-bar redraws: rich takes a lock per update.
_TICK = 1000


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``export`` and ``import``, and ``copy`` under the ``db`` command (made if absent)."""
    export = subparsers.add_parser(
        "export",
        help="write every record of a hub as JSON lines (portable between SQLite and PostgreSQL)",
        description="Write every account, home-region control, stream, task (with its history, "
        "resource attributes and associations) and application state as JSON lines, named by "
        "natural keys, so that `mighub import` can load them into any database.",
        epilog=PRECEDENCE,
    )
    _database_options(export)
    export.add_argument(
        "--output", "-o", default="-", metavar="FILE|-", help="where to write (default: standard output)"
    )
    export.set_defaults(handler=run_export)

    load = subparsers.add_parser(
        "import",
        help="load a `mighub export` file into a database",
        description="Load a `mighub export` file into a database, in one transaction: all of it "
        "or, on any error, none of it. The target must hold no streams unless --merge is given.",
        epilog=PRECEDENCE,
    )
    _database_options(load)
    load.add_argument("--input", "-i", default="-", metavar="FILE|-", help="what to read (default: standard input)")
    _merge_option(load)
    load.set_defaults(handler=run_import)

    copy = _db_commands(subparsers).add_parser(
        "copy",
        help="copy a hub from one database to another (export piped to import, in this process)",
        description="Copy a hub from one database to another, e.g. from the embedded SQLite "
        "default to PostgreSQL, with no file in between.",
    )
    copy.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="URL",
        help="the database to copy (default: the one `mighub serve` uses without --database or "
        "--data-dir: $MIGHUB_DATABASE_URL, then $MIGHUB_DATA_DIR, then the per-user data directory)",
    )
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="the database to copy into")
    _merge_option(copy)
    copy.set_defaults(handler=run_copy)


def _db_commands(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    # `mighub db` belongs to cli/db.py; copy joins its commands rather than
    # declaring `db` a second time (argparse refuses a duplicate command).
    db: argparse.ArgumentParser | None = subparsers.choices.get("db")
    if db is None:
        db = subparsers.add_parser("db", help="manage the database")
        return db.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    for action in db._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return db.add_subparsers(title="db commands", metavar="COMMAND", required=True)


def _database_options(parser: argparse.ArgumentParser) -> None:
    # The same options, defaults and precedence as `mighub serve`'s.
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="SQLAlchemy database URL; beats --data-dir and the environment",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="directory holding the SQLite database; beats $MIGHUB_DATABASE_URL and "
        f"$MIGHUB_DATA_DIR (default: $MIGHUB_DATA_DIR, else {default_data_dir()})",
    )


def _merge_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--merge",
        action="store_true",
        help="load into a database that already holds streams: what it holds is kept as it is "
        "(a task it has keeps its state, history and associations), what it lacks is added",
    )


# -- progress -------------------------------------------------------------------


class _Bar:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._progress: Any = None
        self._task: Any = None
        self._pending = 0

    @staticmethod
    def wanted() -> bool:
        return sys.stderr.isatty()

    def __enter__(self) -> _Bar:
        if self.wanted():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("records"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,  # the summary line replaces it
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=None)
        return self

    def set_total(self, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def advance(self, n: int = 1) -> None:
        if self._progress is None:
            return
        self._pending += n
        if self._pending >= _TICK:
            self._progress.advance(self._task, self._pending)
            self._pending = 0

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _fail(message: str) -> int:
    print(f"mighub: {message}", file=sys.stderr)
    return 2


# -- export ---------------------------------------------------------------------


@contextmanager
def _output(path: str) -> Iterator[IO[bytes]]:
    """Standard output, or a file that appears only once the export is whole."""
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_export(args: argparse.Namespace) -> int:
    from ..store import portable

    try:
        url = choose_database(args.database, args.data_dir).url
    except DatabaseChoiceError as exc:
        return _fail(str(exc))
    counts: Counter[str] = Counter()
    try:
        with portable.reading(url) as conn, _Bar("exporting") as bar:
            if bar.wanted():
                bar.set_total(portable.count_records(conn))
            with _output(args.output) as out:
                out.write(portable.encode(portable.header()))
                for record in portable.export_records(conn):
                    out.write(portable.encode(record))
                    counts[record["type"]] += 1
                    bar.advance()
    except portable.PortableError as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        # The reader went away (`mighub export | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    where = "standard output" if args.output == "-" else args.output
    print(f"mighub: exported {portable.describe_counts(counts)} from {display_url(url)} to {where}", file=sys.stderr)
    return 0


# -- import ---------------------------------------------------------------------


def _count_lines(path: str) -> int | None:
    """Records in a file, for the bar's total: one fast pass over its bytes."""
    try:
        n = 0
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                n += chunk.count(b"\n")
        return max(n - 1, 0)  # the header
    except OSError:
        return None


def _summary(verb: str, result: Any, url: str) -> str:
    from ..store import portable

    line = f"mighub: {verb} {portable.describe_counts(result.added)} into {display_url(url)}"
    if sum(result.kept.values()):
        line += f"; kept what it already held instead of {portable.describe_counts(result.kept)} from the source"
    return line


def run_import(args: argparse.Namespace) -> int:
    from ..store import portable

    try:
        url = choose_database(args.database, args.data_dir).url
    except DatabaseChoiceError as exc:
        return _fail(str(exc))
    try:
        source: IO[bytes] = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")  # noqa: SIM115 -- outlives this block; closed by its owner
    except OSError as exc:
        return _fail(f"cannot read {args.input}: {exc.strerror or exc}")
    try:
        with source, _Bar("importing") as bar:
            if bar.wanted() and args.input != "-":
                total = _count_lines(args.input)
                if total is not None:
                    bar.set_total(total)
            with portable.writing(url) as conn:
                result = portable.import_records(
                    conn, portable.parse_lines(source), merge=args.merge, progress=bar.advance
                )
    except portable.PortableError as exc:
        return _fail(f"{exc}; nothing was imported")
    print(_summary("imported", result, url), file=sys.stderr)
    return 0


# -- copy -----------------------------------------------------------------------


def run_copy(args: argparse.Namespace) -> int:
    from ..store import portable

    try:
        source = choose_database(args.source, option="--from").url
        check_url(args.target, "--to")
    except DatabaseChoiceError as exc:
        return _fail(str(exc))
    try:
        with _Bar("copying") as bar:
            result = portable.copy(
                source,
                args.target,
                merge=args.merge,
                progress=bar.advance,
                on_total=bar.set_total if bar.wanted() else None,
            )
    except portable.PortableError as exc:
        return _fail(f"{exc}; nothing was copied")
    print(_summary(f"copied from {display_url(source)}:", result, args.target), file=sys.stderr)
    return 0
