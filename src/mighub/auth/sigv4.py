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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

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

_FIELDS = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]*)")


@dataclass(frozen=True)
class SignedRequest:
    """What the Authorization header claims."""

    access_key_id: str
    date: str  # yyyymmdd of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str


def parse_authorization(headers: dict[str, str]) -> SignedRequest:
    authorization = headers.get("authorization")
    if not authorization:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(
            f"Unsupported Authorization algorithm {algorithm!r}: expected {ALGORITHM}"
        )
    fields = dict(_FIELDS.findall(rest))
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        raise IncompleteSignatureException(
            f"Authorization header requires {', '.join(missing)} parameter(s). "
            f"Authorization={authorization[:40]}..."
        )
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise IncompleteSignatureException(
            "Credential must have the form ACCESS_KEY/yyyymmdd/REGION/SERVICE/aws4_request"
        )
    amz_date = headers.get("x-amz-date", "")
    if not amz_date:
        raise IncompleteSignatureException("Authorization requires an X-Amz-Date header")
    signed = tuple(fields["SignedHeaders"].lower().split(";"))
    # The target names the operation: unsigned, a captured request could be
    # replayed as another operation with the same body.
    if "host" not in signed:
        raise IncompleteSignatureException("SignedHeaders must include host")
    if "x-amz-target" in headers and "x-amz-target" not in signed:
        raise IncompleteSignatureException("SignedHeaders must include x-amz-target")
    return SignedRequest(
        access_key_id=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=signed,
        signature=fields["Signature"],
        amz_date=amz_date,
    )


class _Verifier(SigV4Auth):
    """botocore's signer, told which headers were signed and what body arrived."""

    def __init__(self, credentials: Credentials, region: str, signed: tuple[str, ...], headers: list[tuple[str, str]]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = signed
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
    """Raise unless the request carries a valid signature by this secret."""
    try:
        moment = datetime.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise IncompleteSignatureException(f"X-Amz-Date {signed.amz_date!r} is not yyyymmddTHHMMSSZ") from None
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
    absent = [name for name in signed.signed_headers if name not in present]
    if absent:
        raise InvalidSignatureException(f"Signed header(s) missing from the request: {', '.join(absent)}")
    body_hash = hashlib.sha256(body).hexdigest()
    declared = dict(headers).get("x-amz-content-sha256")
    if declared is not None and declared != body_hash:
        raise InvalidSignatureException("The provided x-amz-content-sha256 header does not match the body")

    request = AWSRequest(method=method, url=f"http://hub{path}" + (f"?{query}" if query else ""), data=body)
    request.context["timestamp"] = signed.amz_date
    verifier = _Verifier(Credentials(signed.access_key_id, secret_access_key), signed.region, signed.signed_headers, headers)
    canonical = verifier.canonical_request(request)
    expected = verifier.signature(verifier.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signed.signature):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
