"""Where requests go and who signs them: the aws CLI's rules, plus zero-config defaults.

- Endpoint: ``--endpoint-url``, then botocore's configured-endpoint sources
  (``AWS_ENDPOINT_URL_MIGRATION_HUB``, ``AWS_ENDPOINT_URL``, the profile's ``endpoint_url``
  and ``services`` section), else the local hub ``mighub serve`` listens on by default.
- Credentials: the usual chain; when it finds none and the endpoint is on this machine,
  placeholder development credentials (a development hub accepts any key). The
  instance-metadata lookup is skipped for a loopback endpoint: it can only time out there.
- Region: ``--region``, ``AWS_REGION``/``AWS_DEFAULT_REGION``, the profile; else the hub's
  home region (asked of the hub), else ``us-east-1``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any
from urllib.parse import urlsplit

from ...loopback import is_loopback as is_loopback_host
from .commands import SERVICES
from .errors import ConfigurationError
from .globals import GlobalOptions

__all__ = ["DEFAULT_ENDPOINT", "Connection"]

DEFAULT_ENDPOINT = "http://127.0.0.1:7676"
DEV_ACCESS_KEY = "mighub-dev"
DEV_SECRET_KEY = "mighub-dev-secret"
FALLBACK_REGION = "us-east-1"


def is_loopback(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


class Connection:
    """A botocore session configured from the global options, making clients on demand."""

    def __init__(self, opts: GlobalOptions) -> None:
        import botocore.session
        from botocore.exceptions import ProfileNotFound

        self.opts = opts
        from .commands import loader

        self.session = botocore.session.get_session()
        self.session.register_component("data_loader", loader())
        if opts.profile:
            self.session.set_config_variable("profile", opts.profile)
        try:
            self.scoped_config: dict[str, Any] = self.session.get_scoped_config()
        except ProfileNotFound as e:
            raise ConfigurationError(str(e)) from None
        if opts.debug:
            self.session.set_stream_logger("botocore", logging.DEBUG)
        self._install_timestamp_format()

    # -- configuration ---------------------------------------------------------
    def config_value(self, name: str, env: str | None = None) -> str | None:
        if env and os.environ.get(env):
            return os.environ[env]
        value = self.scoped_config.get(name)
        return value if isinstance(value, str) else None

    def _install_timestamp_format(self) -> None:
        # aws CLI v2 prints timestamps as ISO 8601 unless told "wire" (v1's "none").
        fmt = self.config_value("cli_timestamp_format") or "iso8601"
        factory = self.session.get_component("response_parser_factory")
        if fmt == "iso8601":
            from botocore.utils import parse_timestamp

            factory.set_parser_defaults(timestamp_parser=lambda v: parse_timestamp(v).isoformat())
        elif fmt in ("wire", "none"):
            factory.set_parser_defaults(timestamp_parser=lambda v: v)
        else:
            raise ConfigurationError(f'Unknown cli_timestamp_format value: {fmt}, valid values are "wire" or "iso8601"')
        factory.set_parser_defaults(blob_parser=lambda v: v)

    def endpoint_url(self, service: str) -> str:
        if self.opts.endpoint_url:
            return self.opts.endpoint_url
        configured = self._configured_endpoint(service)
        return configured or DEFAULT_ENDPOINT

    def _configured_endpoint(self, service: str) -> str | None:
        ignore = self.config_value("ignore_configured_endpoint_urls", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        if ignore and ignore.lower() == "true":
            return None
        from botocore.configprovider import ConfiguredEndpointProvider

        provider = ConfiguredEndpointProvider(
            full_config=self.session.full_config,
            scoped_config=self.scoped_config,
            client_name=SERVICES[service],
        )
        try:
            url = provider.provide()
        except Exception as e:  # e.g. a profile naming a missing services section
            raise ConfigurationError(str(e)) from None
        return url if isinstance(url, str) and url else None

    def credentials(self, endpoint: str) -> Any:
        from botocore.credentials import Credentials

        if is_loopback(endpoint):
            resolver = self.session.get_component("credential_provider")
            for name in ("iam-role",):
                with contextlib.suppress(Exception):
                    resolver.remove(name)
        try:
            creds = self.session.get_credentials()
        except Exception as e:
            raise ConfigurationError(str(e)) from None
        if creds is None and is_loopback(endpoint):
            creds = Credentials(DEV_ACCESS_KEY, DEV_SECRET_KEY)
        return creds

    def configured_region(self) -> str | None:
        if self.opts.region:
            return self.opts.region
        return self.session.get_config_variable("region") or None

    # -- clients ---------------------------------------------------------------
    def client(self, service: str, region: str | None = None, probe: bool = False) -> Any:
        from botocore import UNSIGNED
        from botocore.config import Config

        endpoint = self.endpoint_url(service)
        region = region or self.configured_region() or self.home_region(endpoint)
        kwargs: dict[str, Any] = {}
        if self.opts.sign_request:
            creds = self.credentials(endpoint)
            if creds is None:
                raise ConfigurationError(
                    'Unable to locate credentials. You can configure credentials by running "aws configure".'
                )
            kwargs.update(
                aws_access_key_id=creds.access_key,
                aws_secret_access_key=creds.secret_key,
                aws_session_token=creds.token,
            )
            config = Config()
        else:
            config = Config(signature_version=UNSIGNED)
        timeouts: dict[str, Any] = {}
        if self.opts.read_timeout is not None:
            timeouts["read_timeout"] = self.opts.read_timeout or None
        if self.opts.connect_timeout is not None:
            timeouts["connect_timeout"] = self.opts.connect_timeout or None
        if probe:
            # One quick try: a hub that is not there fails the real call anyway, with its own message.
            timeouts.update(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5)
        if timeouts:
            config = config.merge(Config(**timeouts))
        verify: Any = self.opts.ca_bundle or (None if self.opts.verify_ssl else False)
        return self.session.create_client(
            SERVICES[service],
            region_name=region,
            endpoint_url=endpoint,
            verify=verify,
            config=config,
            **kwargs,
        )

    def home_region(self, endpoint: str) -> str:
        """The hub's home region, for callers that configured none; never fails."""
        try:
            client = self.client("migrationhub-config", region=FALLBACK_REGION, probe=True)
            region = client.get_home_region().get("HomeRegion")
        except Exception:
            return FALLBACK_REGION
        return region or FALLBACK_REGION
