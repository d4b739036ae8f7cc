"""Verifying AWS Signature Version 4 on arriving requests.

The canonical request is rebuilt from what arrived, over exactly the headers the
client says it signed, with botocore's own canonicalisation (``SigV4Auth``), so
the verifier and every AWS SDK agree on the bytes. The payload hash is always
computed from the body that arrived; signatures are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from ..errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "mgh"  # both models sign as mgh
MAX_SKEW = timedelta(minutes=15)

# Every part of what a caller claims is checked for form and length before
# anything uses it: the region, for one, ends up in ARNs, audit lines, the
# signing-key cache and policy matching, once per listed row.
MAX_AUTHORIZATION = 8192
MAX_SIGNED_HEADERS = 64
_FIELD = re.compile(r"(Credential|SignedHeaders|Signature)=(\S*)")
_SCOPE_PARTS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # AWS access key ids are 16 to 128 word characters; local tools use short ones ("test").
    ("access key id", re.compile(r"[A-Za-z0-9_.-]{1,128}"), "1 to 128 letters, digits, '_', '-' or '.'"),
    ("date", re.compile(r"[0-9]{8}"), "yyyymmdd"),
    # What botocore accepts as a region name: a DNS label.
    ("region", re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"), "a region name such as us-east-1"),
    ("service", re.compile(r"[a-z0-9-]{1,64}"), "a service name such as mgh"),
    ("terminator", re.compile(r"aws4_request"), "aws4_request"),
)
# RFC 9110 token characters, lower case (the names are lowered before this check).
_TOKEN = r"[a-z0-9!#$%&'*+.^_`|~-]{1,128}"
_HEADER_NAME = re.compile(_TOKEN)
_SIGNATURE = re.compile(r"[0-9a-fA-F]{1,64}")
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
# The header exactly as the SDKs write it, every part of its form, in one match:
# the hot path. Anything else goes through the part-by-part reading, which
# accepts more spellings (order, case, spaces) and says what is wrong.
_AS_SDKS_WRITE_IT = re.compile(
    rf"{ALGORITHM} Credential=({_SCOPE_PARTS[0][1].pattern})/([0-9]{{8}})/({_SCOPE_PARTS[2][1].pattern})"
    rf"/({_SCOPE_PARTS[3][1].pattern})/aws4_request, ?"
    rf"SignedHeaders=({_TOKEN}(?:;{_TOKEN}){{0,{MAX_SIGNED_HEADERS - 1}}}), ?"
    rf"Signature=({_SIGNATURE.pattern})"
)


class SignedRequest(NamedTuple):  # a tuple: made on every request of the hot path
    """What the Authorization header claims, every part checked for form."""

    access_key_id: str
    date: str  # yyyymmdd of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str  # "" when the request has no X-Amz-Date (only development mode takes that)


def is_sigv4(authorization: str) -> bool:
    return authorization.lstrip().startswith(ALGORITHM + " ") or authorization.strip() == ALGORITHM


def _credential(value: str) -> tuple[str, str, str, str]:
    """ACCESS_KEY/yyyymmdd/REGION/SERVICE/aws4_request, each part of its form."""
    parts = value.split("/")
    if len(parts) != len(_SCOPE_PARTS):
        raise IncompleteSignatureException(
            "Credential must have the form ACCESS_KEY/yyyymmdd/REGION/SERVICE/aws4_request"
        )
    for part, (name, form, expected) in zip(parts, _SCOPE_PARTS, strict=True):
        if not form.fullmatch(part):
            raise IncompleteSignatureException(
                f"Credential's {name} is malformed ({_shown(part)}): expected {expected}"
            )
    return parts[0], parts[1], parts[2], parts[3]


def _shown(value: str) -> str:
    """A caller's value, short enough to repeat in a message."""
    return repr(value) if len(value) <= 40 else f"{value[:40]!r}... ({len(value)} characters)"


def _signed_headers(value: str) -> tuple[str, ...]:
    names = value.lower().split(";")
    if len(names) > MAX_SIGNED_HEADERS:
        raise IncompleteSignatureException(
            f"SignedHeaders names {len(names)} headers; at most {MAX_SIGNED_HEADERS} may be signed"
        )
    for name in names:
        if not _HEADER_NAME.fullmatch(name):
            raise IncompleteSignatureException(f"SignedHeaders has a malformed header name {_shown(name)}")
    return tuple(names)


def parse_authorization(headers: dict[str, str], *, strict: bool = True) -> SignedRequest:
    """Read the Authorization header (and X-Amz-Date); ``IncompleteSignatureException`` if malformed.

    ``strict`` (auth mode) also requires what a verifiable signature needs: an
    X-Amz-Date, and ``host`` and ``x-amz-target`` among the signed headers.
    """
    authorization = headers.get("authorization")
    if not authorization:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    if len(authorization) > MAX_AUTHORIZATION:
        raise IncompleteSignatureException(
            f"The Authorization header is {len(authorization)} characters long; at most {MAX_AUTHORIZATION} are accepted"
        )
    sdk = _AS_SDKS_WRITE_IT.fullmatch(authorization)
    if sdk is not None:
        access_key_id, date, region, service, signed_text, signature = sdk.groups()
        signed = tuple(signed_text.split(";"))
    else:
        access_key_id, date, region, service, signed, signature = _read_parts(authorization)
    if _moment(date + "T000000Z") is None:
        raise IncompleteSignatureException(f"Credential's date {date!r} is not a date (yyyymmdd)")
    amz_date = headers.get("x-amz-date", "")
    if amz_date or strict:
        if not amz_date:
            raise IncompleteSignatureException("Authorization requires an X-Amz-Date header")
        if _moment(amz_date) is None:
            raise IncompleteSignatureException(f"X-Amz-Date {_shown(amz_date)} is not yyyymmddTHHMMSSZ")
    if strict:
        # The target names the operation: unsigned, a captured request could be
        # replayed as another operation with the same body.
        if "host" not in signed:
            raise IncompleteSignatureException("SignedHeaders must include host")
        if "x-amz-target" in headers and "x-amz-target" not in signed:
            raise IncompleteSignatureException("SignedHeaders must include x-amz-target")
    return SignedRequest(
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=service,
        signed_headers=signed,
        signature=signature,
        amz_date=amz_date,
    )


@lru_cache(maxsize=1024)  # the same day and second come again and again
def _moment(amz_date: str) -> datetime | None:
    """The time of a yyyymmddTHHMMSSZ stamp, or None if it is not one."""
    if not _AMZ_DATE.fullmatch(amz_date):
        return None
    try:
        return datetime(
            int(amz_date[0:4]),
            int(amz_date[4:6]),
            int(amz_date[6:8]),
            int(amz_date[9:11]),
            int(amz_date[11:13]),
            int(amz_date[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def _read_parts(authorization: str) -> tuple[str, str, str, str, tuple[str, ...], str]:
    """The header part by part, in any order and spacing; each part checked for form."""
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(
            f"Unsupported Authorization algorithm {_shown(algorithm)}: expected {ALGORITHM}"
        )
    fields: dict[str, str] = {}
    for component in rest.split(","):
        found = _FIELD.fullmatch(component.strip())
        if found is None or found[1] in fields:
            raise IncompleteSignatureException(
                f"Authorization header component {_shown(component.strip())} is malformed: expected "
                "Credential=..., SignedHeaders=..., Signature=..., each once"
            )
        fields[found[1]] = found[2]
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        raise IncompleteSignatureException(
            f"Authorization header requires {', '.join(missing)} parameter(s). Authorization={authorization[:40]}..."
        )
    access_key_id, date, region, service = _credential(fields["Credential"])
    signed = _signed_headers(fields["SignedHeaders"])
    if not _SIGNATURE.fullmatch(fields["Signature"]):
        raise IncompleteSignatureException(
            f"Signature is malformed ({_shown(fields['Signature'])}): expected 64 hexadecimal digits"
        )
    return access_key_id, date, region, service, signed, fields["Signature"]


class _Verifier(SigV4Auth):  # type: ignore[misc]  # botocore is untyped: its base class is Any
    """botocore's signer, told which headers were signed and what body arrived."""

    def __init__(
        self, credentials: Credentials, region: str, signed: tuple[str, ...], headers: list[tuple[str, str]]
    ) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = frozenset(signed)  # looked up once per arriving header
        self._raw_headers = headers

    def signature(self, string_to_sign: str, request: AWSRequest) -> str:
        # The signing key depends only on the secret, the day, the region and
        # the service: derive it once a day instead of with four HMACs a request.
        key = _signing_key(self.credentials.secret_key, request.context["timestamp"][:8], self._region_name)
        return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        selected = HTTPHeaders()
        for name, value in self._raw_headers:
            if name in self._signed:
                selected[name] = value
        return selected


@lru_cache(maxsize=1024)
def _signing_key(secret: str, day: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def verify(
    signed: SignedRequest,
    secret_access_key: str,
    *,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Raise unless the request carries a valid signature by this secret.

    ``signed`` comes from ``parse_authorization(strict=True)``: its parts are of form.
    """
    moment = _moment(signed.amz_date)
    if moment is None:  # parse_authorization(strict=True) has refused it already
        raise IncompleteSignatureException(f"X-Amz-Date {_shown(signed.amz_date)} is not yyyymmddTHHMMSSZ")
    if signed.date != signed.amz_date[:8]:
        raise InvalidSignatureException("The credential scope's date does not match X-Amz-Date")
    if signed.service != SERVICE:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{SERVICE}', not '{signed.service}'"
        )
    now = now or datetime.now(UTC)
    if abs(now - moment) > MAX_SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {signed.amz_date} is not within 15 minutes of the hub's time "
            f"{now.strftime('%Y%m%dT%H%M%SZ')}"
        )
    present = {name for name, _ in headers}
    absent = [name for name in dict.fromkeys(signed.signed_headers) if name not in present]
    if absent:
        raise InvalidSignatureException(f"Signed header(s) missing from the request: {', '.join(absent)}")
    body_hash = hashlib.sha256(body).hexdigest()
    declared = dict(headers).get("x-amz-content-sha256")
    if declared is not None and declared != body_hash:
        raise InvalidSignatureException("The provided x-amz-content-sha256 header does not match the body")

    request = AWSRequest(method=method, url=f"http://hub{path}" + (f"?{query}" if query else ""), data=body)
    request.context["timestamp"] = signed.amz_date
    verifier = _Verifier(
        Credentials(signed.access_key_id, secret_access_key), signed.region, signed.signed_headers, headers
    )
    canonical = verifier.canonical_request(request)
    expected = verifier.signature(verifier.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signed.signature):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
