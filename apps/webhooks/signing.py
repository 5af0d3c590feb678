"""Signing a delivery, in the style of the Standard Webhooks specification (pure: no ORM).

The signed content is ``<Webhook-Id>.<Webhook-Timestamp>.<raw body>``; the key is the secret's base64
part (after ``whsec_``) decoded; the signature is ``v1,<base64 of HMAC-SHA256>``. During a secret's
rotation grace both the new and the previous secret sign, space-separated in one header: a receiver
accepts a delivery when any one of them verifies with the secret it holds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
SIGNATURE_VERSION = "v1"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``body`` sent as ``message_id`` at ``timestamp`` (Unix seconds)."""
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_header(*, secrets_in_use: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The ``Webhook-Signature`` value: one signature per secret in use, space-separated."""
    return " ".join(sign(secret=s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_in_use)
