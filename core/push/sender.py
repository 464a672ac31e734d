"""Sending web pushes (RFC 8030) with aes128gcm encryption (RFC 8291) and VAPID (RFC 8292).

One ``Sender`` per worker process (``Env.shared``): keep-alive connections, a thread pool for fan-out
(``PUSH_CONCURRENCY`` requests in flight, so thousands of subscriptions at a service's 20 ms go out in
seconds), and the VAPID signer with its per-origin headers. Every socket operation (connect, send, each read)
has the ``PUSH_TIMEOUT_SECONDS`` timeout.

The connections are the standard library's ``http.client``, one per pool thread and push-service origin: a
push is one small POST, and at thousands of them CPU is what a 2-core machine runs out of. Measured with
bench/push.py's simulators, ``http.client`` costs 0.65 ms of CPU per push, httpcore (the pool inside httpx)
1.3 ms and an ``httpx.Client`` more still; ``http.client`` also sends the headers and the body in one
segment, where the others send two.

How an answer counts: 2xx sent; 404/410 the subscription is gone (delete it); 413 and other 4xx a permanent
failure; 429 a retry after ``Retry-After``; 5xx, timeouts and connection errors a retry with backoff.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec

from core.db import MAX_ID
from core.push.vapid import Vapid, b64url, b64url_decode
from core.timeutil import utcnow

PAYLOAD_MAX = 3000              # bytes on the wire, encrypted (push services take at least 4,096)
RECORD_SIZE = 4096
OVERHEAD = 16 + 4 + 1 + 65 + 1 + 16   # salt, rs, idlen, key id; the padding delimiter; the GCM tag
MAX_TTL = 28 * 86400            # FCM's ceiling
RETRY_AFTER_MAX = 3600
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
DEFAULT_CONCURRENCY = 24
ANSWER_MAX = 64 * 1024          # a push service's answer body; anything longer closes the connection


# --- RFC 8291 ----------------------------------------------------------------------------------

def encrypt(plaintext: bytes, p256dh: str, auth: str, *, salt: bytes | None = None,
            server_key: ec.EllipticCurvePrivateKey | None = None) -> bytes:
    """One aes128gcm record for the subscription's keys, with a fresh key pair and salt per message
    (http_ece, the library pywebpush encrypts with; 0.17 ms a push)."""
    if len(plaintext) + 17 > RECORD_SIZE:
        raise ValueError("a push payload fits one record")
    return http_ece.encrypt(plaintext, salt=salt, private_key=server_key or ec.generate_private_key(ec.SECP256R1()),
                            dh=b64url_decode(p256dh), auth_secret=b64url_decode(auth), version="aes128gcm",
                            rs=RECORD_SIZE)


# --- receipts: how the service worker reports "shown" and "clicked" without a session ------------

def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _receipt_key(secret: str) -> bytes:
    return _hmac(secret.encode(), b"push-receipt-v1")


def receipt_for(delivery_id: int, secret: str) -> str:
    return f"{delivery_id}.{b64url(_hmac(_receipt_key(secret), str(delivery_id).encode())[:16])}"


def read_receipt(token: Any, secret: str) -> int | None:
    """The delivery id a receipt stands for, or None when it was not made here."""
    if not isinstance(token, str) or len(token) > 64 or token.count(".") != 1:
        return None
    number, _, mac = token.partition(".")
    if not (number.isascii() and number.isdigit()) or len(number) > 12 or number != str(int(number)) \
            or int(number) > MAX_ID:
        return None
    expected = receipt_for(int(number), secret).partition(".")[2]
    return int(number) if hmac.compare_digest(mac, expected) else None


# --- the payload ---------------------------------------------------------------------------------

def payload(*, title: str, body: str, url: str, tag: str, message_id: int, receipt: str,
            actions: list[dict] | None = None, tap: str = "") -> bytes:
    """The JSON the service worker shows, shortened so that its encrypted record stays under 3,000 bytes.
    ``actions`` are the notification's buttons and ``tap`` what a tap on its body answers (core.push.actions)."""
    extra = ({"actions": actions} if actions else {}) | ({"tap": tap} if tap else {})

    def encode(t: str, b: str) -> bytes:
        return json.dumps({"title": t, "body": b, "url": url, "tag": tag, "message": message_id,
                           "receipt": receipt, **extra}, ensure_ascii=False, separators=(",", ":")).encode()

    data = encode(title, body)
    while len(data) + OVERHEAD > PAYLOAD_MAX and body:
        body = body[:max(0, len(body) - max(8, (len(data) + OVERHEAD - PAYLOAD_MAX) // 2))]
        data = encode(title, body.rstrip() + "…" if body else "")
    while len(data) + OVERHEAD > PAYLOAD_MAX and title:
        title = title[:-8]
        data = encode(title, "")
    return data


# --- sending -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    delivery_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: str                    # sent | removed | failed | retry
    status: int | None = None
    error: str = ""
    retry_after: float | None = None


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds (a number or an HTTP date), capped at an hour."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(min(int(value[:8]), RETRY_AFTER_MAX))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, min((moment - utcnow()).total_seconds(), RETRY_AFTER_MAX))


def classify(delivery_id: int, code: int, headers: dict[str, str], body: bytes = b"") -> Result:
    """What one answer means; ``headers`` with lower-case names."""
    if 200 <= code < 300:
        return Result(delivery_id, "sent", code)
    text = body[:200].decode("utf-8", "replace")
    if code in (404, 410):
        return Result(delivery_id, "removed", code, f"subscription gone ({code})")
    if code == 429:
        return Result(delivery_id, "retry", code, "too many requests", retry_after(headers.get("retry-after")))
    if code >= 500:
        return Result(delivery_id, "retry", code, f"push service error {code} {text}".strip(),
                      retry_after(headers.get("retry-after")))
    if code == 413:
        return Result(delivery_id, "failed", code, "payload too large (413)")
    return Result(delivery_id, "failed", code, f"refused {code} {text}".strip())


class Connections:
    """Keep-alive connections, one per pool thread and origin (a connection carries one request at a time)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context()

    def _open(self, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        if scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                                            context=self._tls)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        with self._lock:
            self._all.append(conn)
        return conn

    def post(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """POST ``body``; the status, the headers (lower-case names) and the answer's body."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        held: dict = self._local.__dict__.setdefault("held", {})
        for attempt in range(2):
            conn, reused = held.get(key), key in held
            if conn is None:
                conn = held[key] = self._open(*key)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read(ANSWER_MAX + 1)
                answer = {name.lower(): value for name, value in response.getheaders()}
                if response.will_close or len(data) > ANSWER_MAX or not response.isclosed():
                    conn.close()
                    held.pop(key, None)
                return response.status, answer, data[:ANSWER_MAX]
            except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
                conn.close()
                held.pop(key, None)
                # A kept-alive connection the service closed meanwhile: once more on a new one.
                if not reused or attempt:
                    raise
            except BaseException:
                conn.close()
                held.pop(key, None)
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()


class Sender:
    def __init__(self, vapid: Vapid, *, timeout: float = 10.0, concurrency: int = DEFAULT_CONCURRENCY,
                 default_ttl: int = 86400) -> None:
        self.vapid = vapid
        self.default_ttl = default_ttl
        self.concurrency = max(1, concurrency)
        self.connections = Connections(timeout)
        self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="push")

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Sender:
        return cls(Vapid.from_settings(settings), timeout=float(settings.get("PUSH_TIMEOUT_SECONDS") or 10),
                   concurrency=int(settings.get("PUSH_CONCURRENCY") or DEFAULT_CONCURRENCY),
                   default_ttl=int(settings.get("PUSH_TTL_SECONDS") or 86400))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.connections.close()

    def headers(self, endpoint: str, *, ttl: int | None, urgency: str = "normal", topic: str = "") -> dict[str, str]:
        # A missing or negative TTL is the default; 0 ("now or never") only when asked for explicitly.
        ttl = self.default_ttl if ttl is None or ttl < 0 else min(int(ttl), MAX_TTL)
        headers = {"TTL": str(ttl), "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream",
                   "Urgency": urgency if urgency in ("very-low", "low", "normal", "high") else "normal",
                   "Authorization": self.vapid.header(endpoint)}
        if topic and TOPIC.match(topic):
            headers["Topic"] = topic
        return headers

    def send_one(self, target: Target, data: bytes, *, ttl: int | None, urgency: str = "normal",
                 topic: str = "") -> Result:
        try:
            body = encrypt(data, target.p256dh, target.auth)
        except ValueError as exc:   # keys that passed validation but cannot be used
            return Result(target.delivery_id, "failed", None, f"cannot encrypt: {exc}")
        headers = self.headers(target.endpoint, ttl=ttl, urgency=urgency, topic=topic)
        try:
            status, answer, data = self.connections.post(target.endpoint, headers, body)
        except TimeoutError:
            return Result(target.delivery_id, "retry", None, "timeout")
        except (OSError, http.client.HTTPException) as exc:
            return Result(target.delivery_id, "retry", None, f"{type(exc).__name__}: {exc}"[:200])
        return classify(target.delivery_id, status, answer, data)

    def send_many(self, targets: Sequence[Target], build: Callable[[Target], bytes], *, ttl: int | None,
                  urgency: str = "normal", topic: str = "") -> list[Result]:
        """Every target at once (``concurrency`` in flight); results in the targets' order."""
        def one(target: Target) -> Result:
            return self.send_one(target, build(target), ttl=ttl, urgency=urgency, topic=topic)

        return list(self.pool.map(one, targets))
