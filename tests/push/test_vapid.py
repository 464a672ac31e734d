"""VAPID keys and headers (RFC 8292): made once into the instance folder (0600) or read from the setting,
the subject checked, one signature per push-service origin reused until near expiry, claims never mutated."""
from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.push import vapid as v
from lettering_worker.simulators.push_service import Refused, verify_vapid


def _settings(tmp_path, **extra):
    return {"APP_ENV": "development", "INSTANCE_PATH": str(tmp_path), "VAPID_SUBJECT": "mailto:a@goyang.go.kr",
            **extra}


def test_key_made_once_into_instance_0600(tmp_path):
    first = v.load_private_key(_settings(tmp_path))
    path = tmp_path / "vapid.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = v.load_private_key(_settings(tmp_path))
    assert v.public_key_b64(first) == v.public_key_b64(again)
    assert [p.name for p in tmp_path.iterdir()] == ["vapid.pem"]   # no scratch file left behind


def test_key_from_setting_pem_or_raw(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    raw = v.b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    for value in (pem, raw):
        loaded = v.load_private_key(_settings(tmp_path, APP_ENV="production", VAPID_PRIVATE_KEY=value))
        assert v.public_key_b64(loaded) == v.public_key_b64(key)
    assert not (tmp_path / "vapid.pem").exists()


@pytest.mark.parametrize("value", ["abc", v.b64url(b"x" * 31),
                                   "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"])
def test_bad_key_setting_is_a_clear_error(tmp_path, value):
    with pytest.raises(v.VapidError, match="VAPID_PRIVATE_KEY"):
        v.load_private_key(_settings(tmp_path, VAPID_PRIVATE_KEY=value))


def test_production_needs_the_key(tmp_path):
    with pytest.raises(v.VapidError, match="required in production"):
        v.load_private_key(_settings(tmp_path, APP_ENV="production"))


def test_public_key_is_the_uncompressed_point(tmp_path):
    key = v.load_private_key(_settings(tmp_path))
    raw = base64.urlsafe_b64decode(v.public_key_b64(key) + "=")
    assert len(raw) == 65 and raw[0] == 4


@pytest.mark.parametrize("subject", ["mailto:smartportal@goyang.go.kr", "https://portal.goyang.go.kr/contact"])
def test_subject_accepted(subject):
    assert v.check_subject(subject) == subject


@pytest.mark.parametrize("subject", ["", "admin@goyang.go.kr", "mailto:x@localhost", "mailto:@goyang.go.kr",
                                     "http://goyang.go.kr", "https://localhost/", "mailto:x@localhost.localdomain"])
def test_subject_refused(subject):
    with pytest.raises(v.VapidError, match="VAPID_SUBJECT"):
        v.check_subject(subject)


def test_header_signed_once_per_origin_and_renewed_near_expiry(tmp_path):
    signer = v.Vapid.from_settings(_settings(tmp_path))
    now = 1_800_000_000
    a1 = signer.header("https://fcm.googleapis.com/fcm/send/abc", now=now)
    a2 = signer.header("https://fcm.googleapis.com/fcm/send/def", now=now + 3600)
    b1 = signer.header("https://web.push.apple.com/QGx", now=now)
    assert a1 == a2 and a1 != b1 and signer.signed == 2
    # Eleven hours on, the twelve-hour token has less than an hour left: a new one.
    a3 = signer.header("https://fcm.googleapis.com/fcm/send/abc", now=now + 11 * 3600 + 1)
    assert a3 != a1 and signer.signed == 3
    claims, key = verify_vapid(a3, "https://fcm.googleapis.com", now + 11 * 3600 + 1)
    assert claims["exp"] == now + 23 * 3600 + 1 and claims["sub"] == "mailto:a@goyang.go.kr"
    assert key == signer.public_key


def test_claims_never_mutated(tmp_path):
    key = v.load_private_key(_settings(tmp_path))
    claims = {"aud": "https://fcm.googleapis.com", "exp": 1_800_000_000, "sub": "mailto:a@goyang.go.kr"}
    before = json.dumps(claims)
    token = v.sign_jwt(key, claims)
    assert json.dumps(claims) == before and token.count(".") == 2


def test_simulator_refuses_wrong_audience_and_expired(tmp_path):
    signer = v.Vapid.from_settings(_settings(tmp_path))
    header = signer.header("https://fcm.googleapis.com/x", now=1_800_000_000)
    with pytest.raises(Refused, match="aud"):
        verify_vapid(header, "https://web.push.apple.com", 1_800_000_000)
    with pytest.raises(Refused, match="exp"):
        verify_vapid(header, "https://fcm.googleapis.com", 1_800_000_000 + 13 * 3600)
    with pytest.raises(Refused, match="signature"):
        token, key = header.split(", k=")
        verify_vapid(f"{token[:-8]}AAAAAAAA, k={key}", "https://fcm.googleapis.com", 1_800_000_000)


def test_the_app_refuses_to_start_with_a_subject_apple_rejects(app_config):
    from app import create_app

    with pytest.raises(v.VapidError, match="VAPID_SUBJECT"):
        create_app({**app_config, "VAPID_SUBJECT": "mailto:portal@localhost"})
