"""Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``
keyed by the secret's bytes (base64 after the ``whsec_`` prefix)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_in_force: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret in force, space-separated (during a rotation the
    old secret signs too, so receivers can switch at their own pace)."""
    return " ".join(signature(s, message_id, timestamp, body) for s in secrets_in_force)
