"""Short-lived page-image URLs, bound to the reader and to one sign-in session.

The signature is an HMAC over document, page, width, expiry, the viewing's request
id, user id and a random nonce kept in the reader's session. Another account, another session (even of
the same account, after signing in again) or a later time all fail the check.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class PageGrant:
    document_id: int
    page: int
    width: int
    expires: int
    view: str = ""      # the request id of the viewer opening this page belongs to


def _key(secret_key: str) -> bytes:
    # A key of its own, so that a signature here can never be replayed against another HMAC use.
    return hmac.new(secret_key.encode(), b"viewer-page-url/v1", hashlib.sha256).digest()


def sign(secret_key: str, grant: PageGrant, user_id: int, nonce: str) -> str:
    message = f"{grant.document_id}:{grant.page}:{grant.width}:{grant.expires}:{grant.view}:{user_id}:{nonce}".encode()
    return hmac.new(_key(secret_key), message, hashlib.sha256).hexdigest()[:32]


def make_grant(document_id: int, page: int, width: int, ttl_seconds: int, view: str = "",
               now: float | None = None) -> PageGrant:
    return PageGrant(document_id, page, width, int((now or time.time()) + ttl_seconds), view)


def verify(secret_key: str, grant: PageGrant, signature: str, user_id: int, nonce: str | None, *,
           ttl_seconds: int, now: float | None = None) -> bool:
    """True when the signature matches and the grant is neither expired nor dated too far ahead."""
    if not nonce or not signature:
        return False
    now = now or time.time()
    if grant.expires < now or grant.expires > now + ttl_seconds + 5:
        return False
    return hmac.compare_digest(sign(secret_key, grant, user_id, nonce), signature)
