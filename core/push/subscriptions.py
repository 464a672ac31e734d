"""Browser push subscriptions: validated, stored per person and device, re-synced on every app launch.

The endpoint is a URL the worker will POST to, so it is accepted only on the known push services (FCM,
Mozilla, Apple, Microsoft: https on port 443) and on the ``PUSH_EXTRA_HOSTS`` entries (``host[:port]``,
comma-separated; tests and private services, where plain http is allowed too). Nothing else can make the
server call an arbitrary URL. The keys must be a real P-256 point (65 bytes) and a 16-byte secret.
"""
from __future__ import annotations

import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.models.push import PushSubscription
from core.push.vapid import b64url_decode, origin_of
from core.timeutil import utcnow

ENDPOINT_MAX = 1000
MAX_DEVICES = 10           # per person; a new one beyond it replaces the one seen longest ago
KNOWN_HOSTS = ("fcm.googleapis.com", "updates.push.services.mozilla.com")
KNOWN_SUFFIXES = (".push.services.mozilla.com", ".push.apple.com", ".notify.windows.com")
B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


class SubscriptionError(ValueError):
    """A subscription that cannot be stored; ``code`` is stable for machines, the message is Korean."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Parsed:
    endpoint: str
    p256dh: str
    auth: str

    @property
    def origin(self) -> str:
        return origin_of(self.endpoint)


def extra_hosts(setting: str | None) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in (setting or "").split(",") if h.strip())


def _allowed_extra(host: str, port: int | None, extras: tuple[str, ...]) -> bool:
    for entry in extras:
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if name == host and (not entry_port or (port is not None and entry_port == str(port))):
            return True
    return False


def check_endpoint(endpoint: Any, extras: tuple[str, ...] = ()) -> str:
    if not isinstance(endpoint, str) or not endpoint:
        raise SubscriptionError("missing_endpoint", "endpoint(푸시 서비스 주소)가 필요합니다.")
    if len(endpoint) > ENDPOINT_MAX or not endpoint.isascii() or any(c.isspace() or ord(c) < 32 for c in endpoint):
        raise SubscriptionError("invalid_endpoint", f"endpoint는 {ENDPOINT_MAX}자 이하의 URL이어야 합니다.")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise SubscriptionError("invalid_endpoint", "endpoint가 올바른 URL이 아닙니다.") from None
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None or not host or parts.fragment:
        raise SubscriptionError("invalid_endpoint", "endpoint가 올바른 URL이 아닙니다.")
    if _allowed_extra(host, port, extras):
        if parts.scheme not in ("https", "http"):
            raise SubscriptionError("invalid_endpoint", "endpoint는 https 주소여야 합니다.")
        return endpoint
    if parts.scheme != "https":
        raise SubscriptionError("insecure_endpoint", "endpoint는 https 주소여야 합니다.")
    known = host in KNOWN_HOSTS or host.endswith(KNOWN_SUFFIXES)
    if not known or port not in (None, 443):
        raise SubscriptionError("unknown_push_service",
                                "알려진 푸시 서비스(FCM, Mozilla, Apple, Microsoft)의 주소만 등록할 수 있습니다.")
    return endpoint


def _key(value: Any, name: str, length: int) -> str:
    if not isinstance(value, str) or not value or len(value) > 128 or not B64URL.match(value):
        raise SubscriptionError("invalid_keys", f"keys.{name}는 base64url 문자열이어야 합니다.")
    try:
        raw = b64url_decode(value)
    except (binascii.Error, ValueError):
        raise SubscriptionError("invalid_keys", f"keys.{name}는 base64url 문자열이어야 합니다.") from None
    if len(raw) != length:
        raise SubscriptionError("invalid_keys", f"keys.{name}의 길이가 올바르지 않습니다 ({length}바이트).")
    if name == "p256dh":
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise SubscriptionError("invalid_keys", "keys.p256dh가 P-256 공개키가 아닙니다.") from None
    return value.rstrip("=")


def parse(data: Any, extras: tuple[str, ...] = ()) -> Parsed:
    """``PushSubscription.toJSON()``: ``{"endpoint", "keys": {"p256dh", "auth"}}`` (other fields ignored)."""
    if not isinstance(data, Mapping):
        raise SubscriptionError("invalid_json", "구독 정보를 JSON 객체로 보내 주세요.")
    endpoint = check_endpoint(data.get("endpoint"), extras)
    keys = data.get("keys")
    if not isinstance(keys, Mapping):
        raise SubscriptionError("invalid_keys", "keys(p256dh, auth)가 필요합니다.")
    return Parsed(endpoint, _key(keys.get("p256dh"), "p256dh", 65), _key(keys.get("auth"), "auth", 16))


def subscribe(session: Session, user_id: int, parsed: Parsed, user_agent: str = "") -> PushSubscription:
    """Store or re-sync: the same endpoint moves to this person with the keys it now has (a shared phone
    signed in by someone else, or the browser's rotated keys). The caller commits."""
    now = utcnow()
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == parsed.endpoint))
    if row is None:
        row = PushSubscription(endpoint=parsed.endpoint, created_at=now)
        session.add(row)
    row.user_id, row.origin, row.p256dh, row.auth = user_id, parsed.origin, parsed.p256dh, parsed.auth
    row.user_agent, row.seen_at, row.failures = (user_agent or "")[:255], now, 0
    session.flush()
    _enforce_limit(session, user_id)
    return row


def _enforce_limit(session: Session, user_id: int) -> None:
    ids = list(session.scalars(select(PushSubscription.id).where(PushSubscription.user_id == user_id)
                               .order_by(PushSubscription.seen_at.desc(), PushSubscription.id.desc())))
    if len(ids) > MAX_DEVICES:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids[MAX_DEVICES:])))


def unsubscribe(session: Session, user_id: int, endpoint: Any) -> bool:
    """Remove this person's subscription at ``endpoint``; False when there was none. The caller commits."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_MAX:
        raise SubscriptionError("missing_endpoint", "endpoint(푸시 서비스 주소)가 필요합니다.")
    result = session.execute(delete(PushSubscription).where(PushSubscription.endpoint == endpoint,
                                                            PushSubscription.user_id == user_id))
    return bool(result.rowcount)


def devices(session: Session, user_id: int) -> list[PushSubscription]:
    return list(session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id)
                                .order_by(PushSubscription.seen_at.desc())))
