"""VAPID (RFC 8292): the server's P-256 key, its public half for the browser, and the signed header.

The private key never leaves the server. Outside production it is made once into ``instance/vapid.pem``
(0600, written aside and renamed like ``core.settings`` writes ``secrets.json``); in production it comes
from ``VAPID_PRIVATE_KEY``, as PEM or as the base64url of the raw 32-byte scalar.

A header is signed once per push-service origin and reused until an hour before it expires (tokens live
12 hours; RFC 8292 allows 24), so a fan-out of thousands signs a handful of times. The claims are built
here from scratch for every token: nothing a caller passes is ever changed (pywebpush mutates its claims).
"""
from __future__ import annotations

import base64
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import py_vapid.jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

TOKEN_SECONDS = 12 * 3600
RENEW_BEFORE_SECONDS = 3600
KEY_FILE = "vapid.pem"


class VapidError(ValueError):
    """A VAPID key or subject that cannot be used (a configuration error, said plainly)."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_subject(subject: str) -> str:
    """The ``sub`` claim: a ``mailto:`` address or an ``https:`` URL that a push service can reach.

    Apple's service refuses ``mailto:…@localhost``, so such a subject is refused here, at start-up.
    """
    subject = (subject or "").strip()
    if subject.startswith("mailto:"):
        address = subject[len("mailto:"):]
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain or domain.lower() in ("localhost", "localhost.localdomain"):
            raise VapidError(f"VAPID_SUBJECT {subject!r} must be a real mailto: address (not @localhost)")
        return subject
    if subject.startswith("https://"):
        host = urlsplit(subject).hostname or ""
        if not host or host == "localhost":
            raise VapidError(f"VAPID_SUBJECT {subject!r} must be an https: URL of a real host")
        return subject
    raise VapidError(f"VAPID_SUBJECT {subject!r} must start with mailto: or https:")


def _from_setting(value: str) -> ec.EllipticCurvePrivateKey:
    value = value.strip()
    try:
        if value.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(value.encode(), password=None)
        else:
            raw = b64url_decode(value)
            if len(raw) != 32:
                raise VapidError("VAPID_PRIVATE_KEY as base64url must be the raw 32-byte P-256 scalar")
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except VapidError:
        raise
    except (ValueError, TypeError) as exc:
        raise VapidError(f"VAPID_PRIVATE_KEY cannot be read: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise VapidError("VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
    return key


def _from_instance(instance: Path) -> ec.EllipticCurvePrivateKey:
    path = instance / KEY_FILE
    if path.exists():
        return _from_setting(path.read_text())
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    instance.mkdir(parents=True, exist_ok=True)
    # Created 0600 aside and renamed over: never readable by others, and no reader sees half a key.
    scratch = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    try:
        os.link(scratch, path)   # another process that made one first wins; we read its key
    except FileExistsError:
        pass
    finally:
        os.unlink(scratch)
    return _from_setting(path.read_text())


def load_private_key(settings: dict[str, Any]) -> ec.EllipticCurvePrivateKey:
    """``VAPID_PRIVATE_KEY``, or (outside production) the instance folder's key, made on first use."""
    if settings.get("VAPID_PRIVATE_KEY"):
        return _from_setting(str(settings["VAPID_PRIVATE_KEY"]))
    if settings.get("APP_ENV") == "production":
        raise VapidError("VAPID_PRIVATE_KEY is required in production (PEM or base64url)")
    return _from_instance(Path(settings.get("INSTANCE_PATH") or "instance"))


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The uncompressed point, base64url: the browser's ``applicationServerKey`` and VAPID's ``k``."""
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def origin_of(endpoint: str) -> str:
    """``scheme://host[:port]`` of an endpoint: the ``aud`` a push service expects."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def sign_jwt(key: ec.EllipticCurvePrivateKey, claims: dict[str, Any]) -> str:
    """A compact ES256 JWT of ``claims`` (py_vapid's signer, which reads the claims and never changes them;
    pywebpush's ``webpush()`` is what rewrites the dict it is given, so sending does not go through it)."""
    return py_vapid.jwt.sign(claims, key)


@dataclass
class Vapid:
    """The signer of one process: one cached ``Authorization`` header per push-service origin."""

    key: ec.EllipticCurvePrivateKey
    subject: str
    token_seconds: int = TOKEN_SECONDS
    renew_before: int = RENEW_BEFORE_SECONDS
    _cache: dict[str, tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    signed: int = 0      # tokens made, for tests and the benchmark
    public_key: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.public_key = public_key_b64(self.key)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Vapid:
        return cls(load_private_key(settings), check_subject(str(settings.get("VAPID_SUBJECT", ""))))

    def header(self, endpoint: str, now: float | None = None) -> str:
        """``vapid t=<jwt>, k=<public key>`` for the endpoint's origin, signed anew only near expiry."""
        origin = origin_of(endpoint)
        moment = time.time() if now is None else now
        with self._lock:
            cached = self._cache.get(origin)
            if cached and cached[1] - moment > self.renew_before:
                return cached[0]
            expires = int(moment) + self.token_seconds
            token = sign_jwt(self.key, {"aud": origin, "exp": expires, "sub": self.subject})
            value = f"vapid t={token}, k={self.public_key}"
            self._cache[origin] = (value, expires)
            self.signed += 1
            return value
