"""Citizens' phone numbers are personal data (PIPA): keyed hashes for matching, encryption
only while delivery needs the number, signed opt-out tokens that carry only the hash."""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from itsdangerous import BadSignature, URLSafeSerializer


def phone_hash(e164: str, key: str) -> str:
    """HMAC-SHA256 of the E.164 number, keyed by ``PHONE_HASH_KEY``."""
    return hmac.new(key.encode(), e164.encode(), hashlib.sha256).hexdigest()


def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def encrypt_phone(e164: str, key: str) -> str:
    return _fernet(key).encrypt(e164.encode()).decode()


def decrypt_phone(token: str, key: str) -> str | None:
    """The number, or None when the ciphertext is damaged or the key changed."""
    try:
        return _fernet(key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def _optout_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="optout")


def optout_token(hashed: str, secret: str) -> str:
    """A link token for ``/optout/<token>``: the hash, signed; the number is never in a URL."""
    return _optout_serializer(secret).dumps(hashed)


def hash_from_optout_token(token: str, secret: str) -> str | None:
    try:
        value = _optout_serializer(secret).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) and len(value) == 64 else None
