"""Fixtures for the CLI's tests (the harness itself is in ``cli_harness``, a name that
cannot clash with other test directories' modules)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from cli_harness import NOWHERE, Clis, Hub, cli_env, start_hub


@pytest.fixture(scope="session")
def cli_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One real ``mighub serve`` for the tests that talk to a hub, and both CLIs set up for it."""
    with start_hub(tmp_path_factory.mktemp("cli-hub")) as hub:
        yield hub


@pytest.fixture(scope="session")
def clis(tmp_path_factory: pytest.TempPathFactory) -> Clis:
    """Both CLIs configured as for ``cli_hub`` but pointed where no hub listens, for the
    tests that never reach one (skeletons, help, command-line errors)."""
    # One attempt: a run that does try to connect fails at once instead of retrying.
    return Clis(dict(cli_env(tmp_path_factory.mktemp("cli-home"), NOWHERE), AWS_MAX_ATTEMPTS="1"))


@pytest.fixture
def uniq() -> str:
    """A fresh name, so tests sharing the hub never see each other's streams."""
    return "cli-" + uuid.uuid4().hex[:10]
