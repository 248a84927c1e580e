"""Signing webhook bodies, and checking a signature the way a receiver should.

No Django import: a receiver can copy this module as it is.

Each delivery carries two headers:

    X-KPO-Timestamp: 1767225600                 (Unix seconds when this attempt was sent)
    X-KPO-Signature: sha256=<hex>[,sha256=<hex>] (HMAC-SHA256 of "<timestamp>.<raw body>" with the secret)

While a rotated secret is in its grace period the header carries two signatures (new and old secret);
a receiver accepts the request when any of them matches its secret. Checking the timestamp against the
receiver's clock (5 minutes by default) stops an attacker from replaying a captured request later; the
`X-KPO-Idempotency-Key` header (the event's id, the same on every retry) lets the receiver drop repeats.
"""

import hashlib
import hmac
import time

SCHEME = "sha256"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The hex HMAC-SHA256 of b"<timestamp>.<body>" keyed with the secret."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int | str, body: bytes) -> str:
    """The X-KPO-Signature value: one `sha256=<hex>` per secret that currently signs, comma-separated."""
    return ",".join(f"{SCHEME}={sign(secret, timestamp, body)}" for secret in secrets)


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes,
    header: str,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """True when `header` (X-KPO-Signature) signs `body` at `timestamp` (X-KPO-Timestamp) with `secret`,
    and the timestamp is within `tolerance` seconds of now.

    Pass the raw request body (bytes, before any JSON parsing): re-serialising changes the bytes.
    Comparison is constant-time. Any malformed input is simply False.
    """
    try:
        sent_at = int(str(timestamp).strip())
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if tolerance is not None and abs(current - sent_at) > tolerance:
        return False
    if not isinstance(body, bytes | bytearray) or not header:
        return False
    expected = sign(secret, sent_at, bytes(body))
    for part in str(header).split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME and hmac.compare_digest(value.strip(), expected):
            return True
    return False
