"""The aws CLI's global options, accepted anywhere on the command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

__all__ = ["OUTPUT_FORMATS", "GlobalOptions", "parse_globals"]

OUTPUT_FORMATS = ("json", "text", "table", "yaml", "yaml-stream")


@dataclass
class GlobalOptions:
    debug: bool = False
    endpoint_url: str | None = None
    verify_ssl: bool = True
    ca_bundle: str | None = None
    paginate: bool = True
    output: str | None = None
    query: Any = None  # a compiled jmespath expression
    query_text: str | None = None
    profile: str | None = None
    region: str | None = None
    color: str = "auto"
    sign_request: bool = True
    read_timeout: int | None = None
    connect_timeout: int | None = None
    version: bool = False


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        from .errors import CommandLineError

        raise CommandLineError(message, usage=True)


def _build() -> argparse.ArgumentParser:
    p = _Parser(add_help=False, allow_abbrev=False, prog="mighub")
    p.add_argument("--debug", action="store_true")
    p.add_argument("--endpoint-url")
    p.add_argument("--no-verify-ssl", dest="verify_ssl", action="store_false", default=True)
    p.add_argument("--ca-bundle")
    p.add_argument("--no-paginate", dest="paginate", action="store_false", default=True)
    p.add_argument("--output", choices=OUTPUT_FORMATS)
    p.add_argument("--query")
    p.add_argument("--profile")
    p.add_argument("--region")
    p.add_argument("--version", action="store_true")
    p.add_argument("--color", choices=("on", "off", "auto"), default="auto")
    p.add_argument("--no-sign-request", dest="sign_request", action="store_false", default=True)
    p.add_argument("--cli-read-timeout", type=int)
    p.add_argument("--cli-connect-timeout", type=int)
    # Accepted for compatibility; they change nothing here (there is no pager or prompt).
    p.add_argument("--no-cli-pager", action="store_true")
    p.add_argument("--cli-binary-format", choices=("base64", "raw-in-base64-out"))
    p.add_argument("--cli-auto-prompt", action="store_true")
    p.add_argument("--no-cli-auto-prompt", action="store_true")
    return p


def parse_globals(argv: list[str]) -> tuple[GlobalOptions, list[str]]:
    """Pull the global options out of ``argv``; the rest is command, subcommand and options."""
    from .errors import CommandLineError

    ns, rest = _build().parse_known_args(argv)
    query = None
    if ns.query is not None:
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            query = jmespath.compile(ns.query)
        except JMESPathError as e:
            raise CommandLineError(f"Bad value for --query {ns.query}: {e}") from None
    opts = GlobalOptions(
        debug=ns.debug,
        endpoint_url=ns.endpoint_url,
        verify_ssl=ns.verify_ssl,
        ca_bundle=ns.ca_bundle,
        paginate=ns.paginate,
        output=ns.output,
        query=query,
        query_text=ns.query,
        profile=ns.profile,
        region=ns.region,
        color=ns.color,
        sign_request=ns.sign_request,
        read_timeout=ns.cli_read_timeout,
        connect_timeout=ns.cli_connect_timeout,
        version=ns.version,
    )
    return opts, rest
