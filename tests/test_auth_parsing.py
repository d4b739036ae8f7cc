"""What a caller claims, checked for form before use: the Authorization header,
X-Amz-Date and header limits (pure functions), and policies at load.

Every malformed part is refused with ``IncompleteSignatureException`` naming it, in
auth mode (``strict``) and in development mode alike; a region cannot be 40,000
colons, a signature cannot be non-ASCII. A well-formed but wrong value (another
service, another day) is left to verification, which answers
``InvalidSignatureException``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mighub.auth import sigv4
from mighub.auth.gate import MAX_HEADER_BYTES, MAX_HEADERS, check_header_limits
from mighub.auth.policy import PolicyError, parse_policy
from mighub.auth.sigv4 import MAX_SIGNED_HEADERS, parse_authorization, verify
from mighub.errors import IncompleteSignatureException, InvalidSignatureException, RequestEntityTooLargeException

SCOPE = ["AKIAIOSFODNN7EXAMPLE", "20260301", "us-east-1", "mgh", "aws4_request"]
SIGNED = "content-type;host;x-amz-date;x-amz-target"
SIGNATURE = "0123456789abcdef" * 4


def headers(
    scope: list[str] | None = None, signed: str = SIGNED, signature: str = SIGNATURE, **extra: str
) -> dict[str, str]:
    credential = "/".join(scope or SCOPE)
    return {
        "authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed}, Signature={signature}",
        "x-amz-date": "20260301T120000Z",
        "x-amz-target": "AWSMigrationHub.ListMigrationTasks",
        "host": "localhost",
        **extra,
    }


def scope_with(index: int, value: str) -> list[str]:
    scope = list(SCOPE)
    scope[index] = value
    return scope


def test_a_well_formed_header_is_read() -> None:
    signed = parse_authorization(headers())
    assert (signed.access_key_id, signed.date, signed.region, signed.service) == (
        "AKIAIOSFODNN7EXAMPLE",
        "20260301",
        "us-east-1",
        "mgh",
    )
    assert signed.signed_headers == tuple(SIGNED.split(";"))
    # local tools sign with short made-up keys and regions: still of form
    assert parse_authorization(headers(scope_with(0, "test")), strict=False).access_key_id == "test"
    assert parse_authorization(headers(scope_with(2, "local")), strict=False).region == "local"


MALFORMED_SCOPES = {
    "region of 4,000 colons": scope_with(2, ":" * 4_000),
    "region with a colon": scope_with(2, "us-east-1:x"),
    "region too long": scope_with(2, "a" * 64),
    "region starting with a hyphen": scope_with(2, "-us-east-1"),
    "region with a space": scope_with(2, "us east 1"),
    "region non-ASCII": scope_with(2, "us-éast-1"),
    "access key id with a colon": scope_with(0, "AKIA:EXAMPLE"),
    "access key id too long": scope_with(0, "A" * 129),
    "date not eight digits": scope_with(1, "2026031"),
    "date not a date": scope_with(1, "20261399"),
    "date in other digits": scope_with(1, "٢٠٢٦٠٣٠١"),
    "service upper case": scope_with(3, "MGH"),
    "service too long": scope_with(3, "m" * 65),
    "terminator": scope_with(4, "aws4_requesx"),
    "six parts": [*SCOPE, "extra"],
    "four parts": SCOPE[:4],
}


@pytest.mark.parametrize("strict", [True, False], ids=["auth mode", "development mode"])
@pytest.mark.parametrize("case", list(MALFORMED_SCOPES))
def test_every_part_of_the_credential_scope_is_checked(case: str, strict: bool) -> None:
    with pytest.raises(IncompleteSignatureException) as refused:
        parse_authorization(headers(MALFORMED_SCOPES[case]), strict=strict)
    assert "Credential" in refused.value.message
    assert len(refused.value.message) < 300  # a huge value is not echoed back whole


MALFORMED_FIELDS: dict[str, dict[str, Any]] = {
    "non-ASCII signature": {"signature": "é" * 64},
    "signature too long": {"signature": "0" * 65},
    "signature not hex": {"signature": "z" * 64},
    "empty signed header name": {"signed": "host;;x-amz-target"},
    "signed header name with a colon": {"signed": "host;x-amz:target"},
    "non-ASCII signed header name": {"signed": "host;x-amz-targét"},
    "too many signed headers": {
        "signed": ";".join(["host", "x-amz-target", *(f"x-h{i}" for i in range(MAX_SIGNED_HEADERS))])
    },
}


@pytest.mark.parametrize("strict", [True, False], ids=["auth mode", "development mode"])
@pytest.mark.parametrize("case", list(MALFORMED_FIELDS))
def test_signed_headers_and_signature_are_checked(case: str, strict: bool) -> None:
    with pytest.raises(IncompleteSignatureException):
        parse_authorization(headers(**MALFORMED_FIELDS[case]), strict=strict)


@pytest.mark.parametrize("strict", [True, False], ids=["auth mode", "development mode"])
@pytest.mark.parametrize(
    "value",
    ["yesterday", "20260301T120000", "20261301T120000Z", "٢٠٢٦٠٣٠١T120000Z", "20260301T12000Z"],  # noqa: RUF001 -- the non-ASCII digits are the point of the test
)
def test_x_amz_date_is_checked(value: str, strict: bool) -> None:
    with pytest.raises(IncompleteSignatureException) as refused:
        parse_authorization(headers(**{"x-amz-date": value}), strict=strict)
    assert "X-Amz-Date" in refused.value.message


def test_development_mode_needs_no_date_nor_signed_target() -> None:
    lenient = headers(signed="host")
    del lenient["x-amz-date"]
    assert parse_authorization(lenient, strict=False).region == "us-east-1"
    with pytest.raises(IncompleteSignatureException):
        parse_authorization(lenient)


@pytest.mark.parametrize("strict", [True, False], ids=["auth mode", "development mode"])
def test_an_overlong_authorization_header_is_refused(strict: bool) -> None:
    with pytest.raises(IncompleteSignatureException) as refused:
        parse_authorization(headers(scope_with(2, ":" * 40_000)), strict=strict)
    assert "Authorization header" in refused.value.message


@pytest.mark.parametrize(
    "mangle",
    [
        lambda a: a + ", Padding=x",
        lambda a: a + " junk",
        lambda a: a.replace("Signature=", "Signature=0 "),
        lambda a: a + ", Signature=" + SIGNATURE,
        lambda a: a.replace(", ", " "),
    ],
    ids=["unknown component", "trailing text", "text after a value", "duplicate", "no commas"],
)
def test_the_header_has_exactly_its_three_components(mangle: Any) -> None:
    mangled = headers()
    mangled["authorization"] = mangle(mangled["authorization"])
    with pytest.raises(IncompleteSignatureException):
        parse_authorization(mangled, strict=False)


def test_a_non_ascii_signature_never_reaches_the_comparison() -> None:
    """It made hmac.compare_digest raise TypeError: a 500. Now parsing refuses it, and a
    well-formed wrong signature still fails verification as a mismatch."""
    with pytest.raises(IncompleteSignatureException):
        parse_authorization(headers(signature="ü" * 64))
    signed = parse_authorization(headers(signature="A" * 64))
    raw = [(k, v) for k, v in headers(signature="A" * 64).items()]
    with pytest.raises(InvalidSignatureException):
        verify(
            signed,
            "secret",
            method="POST",
            path="/",
            query="",
            headers=raw,
            body=b"{}",
            now=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        )


def test_header_limits() -> None:
    check_header_limits([("host", "x")] * MAX_HEADERS)
    check_header_limits([("x-big", "a" * (MAX_HEADER_BYTES - 5))])
    with pytest.raises(RequestEntityTooLargeException):
        check_header_limits([("host", "x")] * (MAX_HEADERS + 1))
    with pytest.raises(RequestEntityTooLargeException):
        check_header_limits([("x-big", "a" * MAX_HEADER_BYTES)])


part = st.text(alphabet="aZ09-_.:/;,= é", max_size=6)


@given(
    key=st.one_of(st.just("AKIDEXAMPLE"), part),
    date=st.one_of(st.just("20260301"), part),
    region=st.one_of(st.just("us-east-1"), part),
    service=st.one_of(st.just("mgh"), part),
    signed=st.one_of(st.just("host;x-amz-target"), part),
    signature=st.one_of(st.just("ab" * 32), part),
    space=st.sampled_from(["", " ", "  "]),
)
def test_the_hot_path_reads_what_the_part_by_part_reading_reads(
    key: str, date: str, region: str, service: str, signed: str, signature: str, space: str
) -> None:
    """Headers written as the SDKs write them are read by one regex; it must accept no
    header the full reading refuses, and read the same parts."""
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={key}/{date}/{region}/{service}/aws4_request,{space}"
        f"SignedHeaders={signed},{space}Signature={signature}"
    )
    fast = sigv4._AS_SDKS_WRITE_IT.fullmatch(authorization)
    try:
        slow: Any = sigv4._read_parts(authorization)
    except IncompleteSignatureException:
        slow = None
    if fast is not None:
        groups = fast.groups()
        assert slow == (*groups[:4], tuple(groups[4].split(";")), groups[5])


# -- policies ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        {
            "Effect": "Allow",
            "Action": "mgh:*",
            "Resource": "arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/${aws:username}/*",
        },
        {
            "Effect": "Deny",
            "Action": "mgh:*",
            "NotResource": ["arn:aws:mgh:*:*:progressUpdateStream/${aws:PrincipalTag/team}"],
        },
        {"Effect": "Allow", "Action": ["mgh:List*", "mgh:${x}"], "Resource": "*"},
        {"Effect": "Allow", "NotAction": "mgh:${x}", "Resource": "*"},
    ],
)
def test_policy_variables_are_refused_at_load(statement: dict[str, Any]) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "mgh:List*", "Resource": "*"}, {"Sid": "Team", **statement}],
    }
    with pytest.raises(PolicyError) as refused:
        parse_policy(document, "principal 1 (dms)")
    message = str(refused.value)
    assert "principal 1 (dms), statement 2 (Team)" in message
    assert "policy variable" in message and "${" in message


def test_a_dollar_without_a_variable_is_a_literal() -> None:
    policy = parse_policy(
        {"Statement": {"Effect": "Allow", "Action": "mgh:*", "Resource": "arn:aws:mgh:*:*:progressUpdateStream/$tream"}}
    )
    assert policy.decide("mgh:CreateProgressUpdateStream", "arn:aws:mgh:us-east-1:1:progressUpdateStream/$tream")
