"""Who is calling, and may they: the hub's authentication and authorisation.

Without an auth file the hub is in development mode, as local emulators are:
every caller is account 000000000000, a SigV4 header (checked for form only)
supplies the region, an unsigned request (or one under another scheme) comes
from the home region, and everything is allowed. With one, every request must
be signed by a known key, is throttled per key, and is allowed only what the
key's policy allows. In both, the headers are bounded in number and size.
"""

from __future__ import annotations

from ..context import DEV_ACCOUNT, RequestContext
from ..errors import RequestEntityTooLargeException, ThrottlingException, UnrecognizedClientException
from .config import AuthConfig
from .sigv4 import is_sigv4, parse_authorization, verify
from .throttle import Throttle, retry_after_seconds

# The HTTP server takes headers of any size and number; what is signed is
# canonicalised and hashed per request, so the hub bounds them (an AWS SDK sends
# about ten headers, a few hundred bytes; load balancers allow 64 KiB).
MAX_HEADERS = 100
MAX_HEADER_BYTES = 64 * 1024


def check_header_limits(headers: list[tuple[str, str]]) -> None:
    if len(headers) > MAX_HEADERS:
        raise RequestEntityTooLargeException(
            f"The request has {len(headers)} headers; at most {MAX_HEADERS} are accepted"
        )
    size = sum(len(name) + len(value) for name, value in headers)
    if size > MAX_HEADER_BYTES:
        raise RequestEntityTooLargeException(
            f"The request's headers are {size} bytes; at most {MAX_HEADER_BYTES} are accepted"
        )


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
        check_header_limits(headers)
        header_map = dict(headers)
        if self.config is None:
            ctx.account_id = DEV_ACCOUNT
            if is_sigv4(header_map.get("authorization", "")):
                # Not verified, but of form like any other: the region goes into
                # the home-region check and the audit log.
                claimed = parse_authorization(header_map, strict=False)
                ctx.access_key_id = claimed.access_key_id
                ctx.principal = claimed.access_key_id
                ctx.region = claimed.region
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
