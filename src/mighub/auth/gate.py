"""Who is calling, and may they: the hub's authentication and authorisation.

Without an auth file the hub is in development mode, as local emulators are:
every caller is account 000000000000, a SigV4 header (checked for form only)
supplies the region, an unsigned request comes from the home region, and
everything is allowed. With one, every request must be signed by a known key,
is throttled per key, and is allowed only what the key's policy allows.
"""

from __future__ import annotations

import re

from ..context import DEV_ACCOUNT, RequestContext
from ..errors import ThrottlingException, UnrecognizedClientException
from .config import AuthConfig
from .sigv4 import parse_authorization, verify
from .throttle import Throttle, retry_after_seconds

# "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/mgh/aws4_request, ..."
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")


class Gate:
    def __init__(self, config: AuthConfig | None) -> None:
        self.config = config
        self.throttle = Throttle(config.rate, config.burst) if config else None

    def authenticate(
        self,
        ctx: RequestContext,
        *,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        """Establish the caller on ``ctx``, or raise the AWS error that says why not."""
        header_map = dict(headers)
        if self.config is None:
            ctx.account_id = DEV_ACCOUNT
            match = _CREDENTIAL.search(header_map.get("authorization", ""))
            if match:
                ctx.access_key_id = match.group(1)
                ctx.principal = match.group(1)
                ctx.region = match.group(3)
            return
        signed = parse_authorization(header_map)
        # Recorded before verification: the audit log should say which key a
        # refused request claimed to come from.
        ctx.access_key_id = signed.access_key_id
        ctx.region = signed.region
        principal = self.config.principal(signed.access_key_id)
        if principal is None:
            raise UnrecognizedClientException("The security token included in the request is invalid.")
        verify(
            signed,
            principal.secret_access_key,
            method=method,
            path=path,
            query=query,
            headers=headers,
            body=body,
        )
        ctx.account_id = principal.account_id
        ctx.principal = principal.name
        ctx.access_key_id = principal.access_key_id
        ctx.region = signed.region
        ctx.policy = principal.policy
        assert self.throttle is not None
        wait = self.throttle.take(principal.access_key_id)
        if wait:
            seconds = retry_after_seconds(wait)
            raise ThrottlingException(
                f"Rate exceeded for access key {principal.access_key_id}; retry after {seconds} s",
                RetryAfterSeconds=seconds,
            )

    def replace_config(self, config: AuthConfig) -> None:
        """Put another auth file in force, for the requests that arrive from now on.

        The throttle buckets of keys that stay are kept (a reload must not hand every
        key a fresh burst), unless the file changes the rate or the burst.
        """
        throttle = self.throttle
        if throttle is None or (throttle.rate, throttle.burst) != (config.rate, config.burst):
            throttle = Throttle(config.rate, config.burst)
        else:
            throttle.retain(config.principals)
        self.throttle, self.config = throttle, config
