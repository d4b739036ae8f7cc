"""What the hub signs, checked by the standardwebhooks package; where it will send.

In process: these are pure functions of the secret, the message and the URL.
"""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mighub.errors import InvalidInputException
from mighub.webhooks import signing
from mighub.webhooks.safety import OutboundPolicy, Refused, check_destination, check_form


def headers_for(secrets: list[str], body: bytes, message_id: str = "evt_1", at: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if at is None else at
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(secrets, message_id, timestamp, body),
    }


def test_the_verifier_accepts_what_the_hub_signs_and_nothing_else() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and secret != signing.new_secret()
    body = b'{"type":"migration_task.stale"}'
    assert Webhook(secret).verify(body, headers_for([secret], body)) == {"type": "migration_task.stale"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers_for([secret], body))
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers_for([secret], body))
    with pytest.raises(WebhookVerificationError):  # too old: a replayed delivery
        Webhook(secret).verify(body, headers_for([secret], body, at=int(time.time()) - 3600))


def test_both_secrets_sign_during_a_rotation() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b"{}"
    headers = headers_for([new, old], body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(body, headers)


@pytest.mark.parametrize(
    "url",
    ["ftp://h/x", "http:///x", "http://u:p@h/x", "http://h:99999/x", "http://h/a b", "http://h/" + "x" * 2048],
)
def test_urls_of_the_wrong_form_are_refused(url: str) -> None:
    with pytest.raises(InvalidInputException, match="'url'"):
        check_form(url)


@pytest.mark.parametrize(
    ("url", "policy", "refused"),
    [
        ("http://169.254.169.254/latest", OutboundPolicy(), True),
        ("http://[fe80::1]/", OutboundPolicy(), True),
        ("http://[fd00:ec2::254]/", OutboundPolicy(), True),
        ("http://[::ffff:169.254.169.254]/", OutboundPolicy(), True),
        ("http://169.254.169.254/latest", OutboundPolicy(allow_link_local=True), False),
        ("http://127.0.0.1:9/", OutboundPolicy(), False),
        ("http://localhost:9/", OutboundPolicy(), False),
        ("http://10.1.2.3/", OutboundPolicy(), False),
        ("http://127.0.0.1:9/", OutboundPolicy(refuse_private=True), True),
        ("http://localhost:9/", OutboundPolicy(refuse_private=True), True),
        ("http://10.1.2.3/", OutboundPolicy(refuse_private=True), True),
        ("http://0.0.0.0/", OutboundPolicy(), True),
        ("http://no-such-host.invalid/", OutboundPolicy(), True),
    ],
)
def test_destinations(url: str, policy: OutboundPolicy, refused: bool) -> None:
    if refused:
        with pytest.raises(Refused):
            check_destination(url, policy)
    else:
        check_destination(url, policy)
