"""The CLI tests' one harness: the two CLIs, in process or as processes, and a real hub.

``mighub`` (this package's command) and ``aws`` (the awscli test dependency, the oracle)
run in process by default: their entry points are called with an argv, under an
environment of the test's own, with stdin empty and stdout/stderr captured, and every
piece of process state a run can touch is put back afterwards (``os.environ``,
``sys.argv``, the standard streams, the working directory, logging, warning filters, the
SIGINT handler, botocore's history recorder). A run therefore sees what a fresh process
would and leaves nothing for the next one. ``process=True`` runs the console script as a
subprocess instead, as a user types it; ``test_cli_harness`` checks that both ways give
the same exit code and the same bytes.

``start_hub`` runs one real ``mighub serve`` over HTTP; ``cli_env`` makes the private
environment both CLIs share: a config that asks the aws CLI for ISO 8601 timestamps (aws
CLI v2's default, which mighub follows), a key pair, and the endpoint in
``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import mighub.cli.main
from mighub.cli.aws import commands

BIN = Path(sys.executable).parent
# Where nothing listens: a run that should not reach a hub fails at once if it tries.
NOWHERE = "http://127.0.0.1:9"
# The loggers botocore's ``set_stream_logger`` configures for ``--debug`` (both CLIs).
_DEBUG_LOGGERS = ("botocore", "awscli", "s3transfer", "urllib3")


def tool(name: str) -> str:
    """The console script ``name`` of the tests' environment (else on PATH)."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout) if self.stdout.strip() else {}


def _text(data: bytes) -> str:
    # As ``subprocess.run(text=True)`` reads a child's output: UTF-8, universal newlines.
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


# -- environments -----------------------------------------------------------------
def clean_env(**extra: str) -> dict[str, str]:
    """The tests' environment without any AWS configuration, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_PAGER="", COLUMNS="80", LC_ALL="C.UTF-8")
    env.update(extra)
    return env


def cli_env(home: Path, endpoint: str) -> dict[str, str]:
    """A home with a private aws config and key pair, and ``endpoint`` as the endpoint."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\ncli_timestamp_format = iso8601\n")
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIDMIGHUBTEST\naws_secret_access_key = secret\n"
    )
    return clean_env(HOME=str(home), AWS_ENDPOINT_URL=endpoint)


# -- the aws CLI's own modules ----------------------------------------------------------
_ALIASED = frozenset({"awscli", "botocore", "s3transfer"})


def _aliased(name: str) -> bool:
    return name.partition(".")[0] in _ALIASED


class _AwsModules:
    """awscli as the ``aws`` command runs it, in this process but apart from it.

    awscli ships its own botocore and s3transfer and, once imported, makes ``import
    botocore`` find them, unless botocore is imported already (as it is here, for mighub
    and boto3). So awscli, its botocore and its s3transfer are imported into a module
    table of their own, swapped into ``sys.modules`` (with awscli's import finder) for
    each aws run and out again after it; the tests' own botocore never sees them.
    """

    def __init__(self) -> None:
        self.modules: dict[str, ModuleType] = {}
        self.meta_path: list[Any] = []
        self.loaders: dict[str | None, Any] = {}

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        saved_modules = {name: sys.modules.pop(name) for name in list(sys.modules) if _aliased(name)}
        saved_meta_path = list(sys.meta_path)
        saved_env = dict(os.environ)
        first = not self.modules
        sys.modules.update(self.modules)
        if not first:
            sys.meta_path[:] = self.meta_path
        try:
            if first:
                try:
                    with warnings.catch_warnings():
                        importlib.import_module("awscli.clidriver")  # adds its finder, sets AWS_DATA_PATH
                finally:
                    os.environ.clear()
                    os.environ.update(saved_env)
                self.meta_path = list(sys.meta_path)
            yield
        finally:
            # Whatever the run imported stays with awscli for the next run.
            self.modules = {name: sys.modules.pop(name) for name in list(sys.modules) if _aliased(name)}
            sys.modules.update(saved_modules)
            sys.meta_path[:] = saved_meta_path

    def loader(self, data_path: str | None) -> Any:
        """botocore's data loader for ``data_path`` (while ``active``), one per value."""
        if data_path not in self.loaders:
            self.loaders[data_path] = sys.modules["botocore.loaders"].create_loader(data_path)
        return self.loaders[data_path]

    def data_path(self, env: dict[str, str]) -> str:
        """AWS_DATA_PATH as importing awscli sets it in a fresh ``aws`` process: the given
        directories (expanded), then awscli's own data (while ``active``)."""
        given = [os.path.expanduser(os.path.expandvars(p)) for p in env.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
        return os.pathsep.join([*given, str(Path(sys.modules["awscli"].__file__ or "").parent / "data")])


_AWS = _AwsModules()


# -- running in process -------------------------------------------------------------
def _logging_state() -> Callable[[], None]:
    """Snapshot every logger's level, handlers and flags; the returned call restores them."""
    for name in _DEBUG_LOGGERS:
        logging.getLogger(name)  # exist now, so their configuration is in the snapshot
    manager = logging.Logger.manager
    loggers = [logging.getLogger(), *(lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger))]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers]
    disable = manager.disable

    def restore() -> None:
        known = {id(lg) for lg, *_ in saved}
        for lg in list(manager.loggerDict.values()):
            if isinstance(lg, logging.Logger) and id(lg) not in known:
                lg.handlers.clear()  # a logger the run created has nothing of the run's
        for lg, level, handlers, propagate, disabled in saved:
            lg.handlers[:] = handlers
            lg.propagate, lg.disabled = propagate, disabled
            lg.setLevel(level)
        logging.disable(disable)

    return restore


@contextlib.contextmanager
def _fd_captured(fd: int) -> Iterator[Callable[[], bytes]]:
    """What child processes write to file descriptor ``fd`` (the aws CLI's pager writes
    help pages to descriptor 1, not through ``sys.stdout``)."""
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(fd)
        os.dup2(sink.fileno(), fd)
        try:
            yield lambda: (sink.seek(0), sink.read())[1]
        finally:
            os.dup2(saved, fd)
            os.close(saved)


def _text_stream(buffer: io.BytesIO | None = None) -> io.TextIOWrapper:
    return io.TextIOWrapper(buffer or io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)


@contextlib.contextmanager
def _isolated(argv: list[str], env: dict[str, str], cwd: Path | None) -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """The process state a CLI run may read or change, set as for a fresh process and
    restored afterwards, whatever the run did."""
    out, err = io.BytesIO(), io.BytesIO()
    streams = _text_stream(), _text_stream(out), _text_stream(err)
    saved_env = dict(os.environ)
    saved_argv = sys.argv
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    saved_cwd = os.getcwd()
    saved_sigint = signal.getsignal(signal.SIGINT)
    recorder = importlib.import_module("botocore.history").get_global_history_recorder()
    saved_history = (recorder._enabled, list(recorder._handlers))
    restore_logging = _logging_state()
    try:
        with warnings.catch_warnings():
            os.environ.clear()
            os.environ.update(env)
            sys.argv = list(argv)
            sys.stdin, sys.stdout, sys.stderr = streams
            if cwd is not None:
                os.chdir(cwd)
            yield out, err
    finally:
        for stream in streams:
            stream.flush()
            stream.detach()  # the buffers outlive the wrappers
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        signal.signal(signal.SIGINT, saved_sigint)
        recorder._enabled, recorder._handlers[:] = saved_history
        restore_logging()


def _model_caches_for_current_env() -> None:
    # mighub builds one botocore loader per process, from AWS_DATA_PATH when first used;
    # a run under another AWS_DATA_PATH than the cached loader's gets a loader of its own.
    if commands.loader.cache_info().currsize and (
        commands.loader().search_paths != commands.loader.__wrapped__().search_paths
    ):
        for cached in (commands.loader, commands.service_model, commands.operation_names, commands._paginators):
            cached.cache_clear()


def _exit_code(status: object) -> int:
    # As the interpreter turns ``sys.exit(status)`` into a process exit code.
    if status is None:
        return 0
    if isinstance(status, int):
        return status
    sys.stderr.write(f"{status}\n")
    return 1


def _call_mighub(args: list[str]) -> object:
    _model_caches_for_current_env()
    return mighub.cli.main.main(args)


def _call_aws(args: list[str]) -> object:
    driver = sys.modules["awscli.clidriver"].create_clidriver()
    session = driver.session
    # The session's own data loader, as botocore makes it, but shared by the runs that
    # read models from the same directories: each fresh session would otherwise parse
    # botocore's 1 MB endpoints table and scan its 400 service directories again.
    session._components.lazy_register_component(
        "data_loader", lambda: _AWS.loader(session.get_config_variable("data_path"))
    )
    return driver.main(args)


_ENTRY_POINTS: dict[str, Callable[[list[str]], object]] = {"mighub": _call_mighub, "aws": _call_aws}


def run_in_process(name: str, args: tuple[str, ...], env: dict[str, str], cwd: Path | None = None) -> Result:
    """Run CLI ``name`` (``mighub`` or ``aws``) in this process, as ``run_process`` would."""
    argv = [tool(name), *args]
    sys.stdout.flush()
    sys.stderr.flush()
    modules = _AWS.active() if name == "aws" else contextlib.nullcontext()
    with _fd_captured(1) as child_out, _fd_captured(2) as child_err, modules:
        if name == "aws":
            env = dict(env, AWS_DATA_PATH=_AWS.data_path(env))
        with _isolated(argv, env, cwd) as (out, err):
            try:
                status = _ENTRY_POINTS[name](list(args))
            except SystemExit as e:
                status = e.code
            code = _exit_code(status)
        stdout, stderr = out.getvalue() + child_out(), err.getvalue() + child_err()
    return Result(code, _text(stdout), _text(stderr))


def run_process(name: str, args: tuple[str, ...], env: dict[str, str], cwd: Path | None = None) -> Result:
    """Run the console script ``name`` as a subprocess, as a user types the command."""
    proc = subprocess.run(
        [tool(name), *args], env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL, cwd=cwd
    )
    return Result(proc.returncode, _text(proc.stdout), _text(proc.stderr))


@dataclass
class Clis:
    """Both CLIs under one environment."""

    env: dict[str, str]
    _oracle: dict[tuple[str, ...], Result] = field(default_factory=dict, init=False, repr=False)

    def run(
        self,
        name: str,
        *args: str,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        process: bool = False,
    ) -> Result:
        runner = run_process if process else run_in_process
        return runner(name, args, self.env if env is None else env, cwd)

    def mighub(self, *args: str, **kw: Any) -> Result:
        return self.run("mighub", *args, **kw)

    def aws(self, *args: str, **kw: Any) -> Result:
        return self.run("aws", *args, **kw)

    def aws_once(self, *args: str) -> Result:
        """The aws CLI's answer to a command line whose answer never changes (it reaches
        no hub and reads no file that changes): run once, then remembered."""
        if args not in self._oracle:
            self._oracle[args] = self.aws(*args)
        return self._oracle[args]


@dataclass
class Hub(Clis):
    """Both CLIs pointed at a running hub."""

    endpoint: str = ""
    home: Path = field(default_factory=Path)


# -- a real hub -----------------------------------------------------------------------
def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mighub serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/_mighub/health", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"mighub serve did not become healthy:\n{log.read_text()}")


@contextlib.contextmanager
def start_hub(base: Path) -> Iterator[Hub]:
    """A ``mighub serve`` of its own on a free port, data under ``base``, and both CLIs
    configured for it."""
    port = free_port()
    log = base / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [tool("mighub"), "serve", "--port", str(port), "--data-dir", str(base / "data")],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(endpoint, proc, log)
        home = base / "home"
        yield Hub(cli_env(home, endpoint), endpoint, home)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
