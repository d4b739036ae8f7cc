"""The harness itself: a CLI run in process answers as the console script run as a
process does, and leaves no trace in the test process for the next run to see."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Clis, Hub, run_in_process, run_process

NO_HUB_CASES = [
    ("aws", ("mgh", "list-progress-update-streams", "--generate-cli-skeleton")),
    ("mighub", ("mgh", "list-progress-update-streams", "--generate-cli-skeleton")),
    ("aws", ("mgh", "no-such-command")),  # argparse's exit
    ("mighub", ("mgh", "no-such-command")),
    ("mighub", ("tasks", "--no-such-option")),  # the top-level parser's exit
    ("aws", ("--version",)),  # names the botocore awscli ships, not the tests' own
    ("aws", ("migrationhub-config", "get-home-region", "help")),  # rendered through a pager process
    ("mighub", ("migrationhub-config", "get-home-region", "help")),
]
HUB_CASES = [
    ("aws", ("migrationhub-config", "describe-home-region-controls", "--output", "table")),
    ("mighub", ("migrationhub-config", "describe-home-region-controls", "--output", "table")),
    ("aws", ("mgh", "describe-migration-task", "--progress-update-stream", "none", "--migration-task-name", "x")),
    ("mighub", ("mgh", "describe-migration-task", "--progress-update-stream", "none", "--migration-task-name", "x")),
]


@pytest.mark.parametrize(("name", "args"), NO_HUB_CASES, ids=[f"{n} {' '.join(a)}" for n, a in NO_HUB_CASES])
def test_in_process_answers_as_the_process(clis: Clis, name: str, args: tuple[str, ...]) -> None:
    assert run_in_process(name, args, clis.env) == run_process(name, args, clis.env)


@pytest.mark.parametrize(("name", "args"), HUB_CASES, ids=[f"{n} {' '.join(a[:2])}" for n, a in HUB_CASES])
def test_in_process_answers_as_the_process_with_a_hub(cli_hub: Hub, name: str, args: tuple[str, ...]) -> None:
    in_process = run_in_process(name, args, cli_hub.env)
    assert in_process == run_process(name, args, cli_hub.env)
    assert in_process.stdout or "ResourceNotFoundException" in in_process.stderr, in_process


def _process_state() -> dict[str, Any]:
    loggers = ("", "botocore", "awscli", "s3transfer", "urllib3")
    return {
        "environ": dict(os.environ),
        "argv": list(sys.argv),
        "streams": (sys.stdin, sys.stdout, sys.stderr),
        "cwd": os.getcwd(),
        "loggers": [(lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in map(logging.getLogger, loggers)],
        "disable": logging.root.manager.disable,
        "sigint": signal.getsignal(signal.SIGINT),
        "botocore": {name: mod for name, mod in sys.modules.items() if name.partition(".")[0] == "botocore"},
        "awscli": {name: mod for name, mod in sys.modules.items() if name.partition(".")[0] == "awscli"},
        "meta_path": list(sys.meta_path),
    }


def test_runs_leave_no_trace(clis: Clis, tmp_path: Path) -> None:
    skeleton = ("mgh", "list-progress-update-streams", "--generate-cli-skeleton")
    before = _process_state()
    first = {name: clis.run(name, *skeleton) for name in ("aws", "mighub")}
    (tmp_path / "task.json").write_text('{"Status": "FAILED"}')
    env = dict(clis.env, AWS_DEFAULT_OUTPUT="text", AWS_REGION="eu-west-1", MIGHUB_HARNESS_MARK="1")
    for name in ("aws", "mighub"):
        # Debug logging, another region and output, a relative file:// from another
        # working directory, a failing call: none of it may reach the next run.
        noisy = (
            "--debug",
            "--region",
            "eu-west-2",
            "mgh",
            "notify-migration-task-state",
            "--progress-update-stream",
            "s",
            "--migration-task-name",
            "t",
            "--task",
            "file://task.json",
            "--update-date-time",
            "1",
            "--next-update-seconds",
            "1",
        )
        result = clis.run(name, *noisy, env=env, cwd=tmp_path)
        assert result.code != 0 and "eu-west-2" in result.stderr, result
        assert clis.run(name, "--profile", "no-such-profile", "migrationhub-config", "get-home-region").code != 0
    assert _process_state() == before
    assert "MIGHUB_HARNESS_MARK" not in os.environ
    assert {name: clis.run(name, *skeleton) for name in ("aws", "mighub")} == first
