"""One answer to "is this host this machine?": for serve's listen check, the Host
check of a development hub and the CLI's development credentials."""

from __future__ import annotations

import argparse

import pytest

from mighub.cli import serve
from mighub.cli.aws.client import is_loopback as endpoint_is_loopback
from mighub.loopback import is_loopback
from mighub.server.hosts import HostPolicy

LOOPBACK = [
    "localhost",
    "LOCALHOST",
    "LocalHost",
    "127.0.0.1",
    "127.8.9.10",
    "127.255.255.254",
    "::1",
    "0:0:0:0:0:0:0:1",
]
OTHERS = [
    "hub.localhost",  # RFC 6761 reserves it, but not every resolver keeps it local
    "localhost.",
    "localhost.evil.example",
    "127.0.0.1.evil.example",
    "evil.example",
    "0.0.0.0",
    "::",
    "10.0.0.1",
    "192.168.1.5",
    "fe80::1",
    "::ffff:10.0.0.1",
    "",
    "128.0.0.1",
]


@pytest.mark.parametrize("host", LOOPBACK + OTHERS)
def test_every_check_gives_the_same_answer(host: str) -> None:
    expected = host in LOOPBACK
    assert is_loopback(host) is expected
    assert HostPolicy().allows(host.lower()) is expected  # a development hub's Host check
    url_host = f"[{host}]" if ":" in host else host
    assert endpoint_is_loopback(f"http://{url_host}:7676/") is expected  # the CLI's dev credentials


@pytest.mark.parametrize("host", ["hub.localhost", "10.0.0.1", "::", "0.0.0.0"])
def test_serve_refuses_to_listen_elsewhere_without_an_auth_file(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    serve.add_parser(parser.add_subparsers())
    args = parser.parse_args(["serve", "--host", host])
    assert serve.run(args) == 2
    assert f"refusing to listen on {host}: it is not a loopback address" in capsys.readouterr().err
