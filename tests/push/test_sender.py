"""The sender against the push-service simulator: RFC 8291's own test vector, the headers of RFC 8030, the
payload limit, the receipts, and every answer a push service gives (201, 404, 410, 413, 429 with
Retry-After, 5xx, a timeout, a refused connection)."""
from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
import pywebpush

from core.push import sender as s
from core.push.vapid import Vapid, b64url, b64url_decode

RFC_8291 = {  # Appendix A
    "plaintext": b"When I grow up, I want to be a watermelon",
    "auth": "BTBZMqHH6r4Tts7J_aSIgg",
    "ua_public": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    "as_private": "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
    "salt": "DGv6ra1nlYgDCS1FRnbzlw",
    "body": "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6"
            "PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
}


def test_encryption_matches_rfc_8291_appendix_a():
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.derive_private_key(int.from_bytes(b64url_decode(RFC_8291["as_private"]), "big"), ec.SECP256R1())
    body = s.encrypt(RFC_8291["plaintext"], RFC_8291["ua_public"], RFC_8291["auth"],
                     salt=b64url_decode(RFC_8291["salt"]), server_key=key)
    assert b64url(body) == RFC_8291["body"]


@pytest.fixture
def sender(app, tmp_path):
    signer = Vapid.from_settings({"INSTANCE_PATH": str(tmp_path), "VAPID_SUBJECT": "mailto:push@goyang.go.kr"})
    made = s.Sender(signer, timeout=1.0, concurrency=8)
    yield made
    made.close()


@pytest.fixture
def target(push_service, sender):
    def make(delivery_id: int = 1) -> s.Target:
        sub = httpx.post(f"{push_service.base}/_sim/subscriptions",
                         json={"applicationServerKey": sender.vapid.public_key}).json()
        return s.Target(delivery_id, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])
    return make


def _data(**extra) -> bytes:
    return s.payload(title="긴급 공지", body="오늘 18시 정전 안내", url="/board/7", tag="post-7", message_id=3,
                     receipt="9.x", **extra)


def _received(service) -> list[dict]:
    return httpx.get(f"{service.base}/_sim/received").json()["received"]


def test_201_is_sent_with_headers_and_a_payload_the_service_decrypts(push_service, sender, target):
    result = sender.send_one(target(), _data(), ttl=None, urgency="high", topic="post-7")
    assert result == s.Result(1, "sent", 201)
    [got] = _received(push_service)
    assert got["ttl"] == 86400 and got["urgency"] == "high" and got["topic"] == "post-7"
    assert got["aud"] == push_service.base and got["sub"] == "mailto:push@goyang.go.kr"
    assert got["payload"] == {"title": "긴급 공지", "body": "오늘 18시 정전 안내", "url": "/board/7", "tag": "post-7",
                              "message": 3, "receipt": "9.x"}


def test_ttl_never_zero_by_accident_and_bad_topic_dropped(sender):
    assert sender.headers("https://fcm.googleapis.com/x", ttl=None)["TTL"] == "86400"
    assert sender.headers("https://fcm.googleapis.com/x", ttl=-5)["TTL"] == "86400"
    assert sender.headers("https://fcm.googleapis.com/x", ttl=0)["TTL"] == "0"   # only when asked for
    assert sender.headers("https://fcm.googleapis.com/x", ttl=10**9)["TTL"] == str(s.MAX_TTL)
    headers = sender.headers("https://fcm.googleapis.com/x", ttl=60, urgency="bogus", topic="has space")
    assert "Topic" not in headers and headers["Urgency"] == "normal"
    assert headers["Content-Encoding"] == "aes128gcm" and headers["Authorization"].startswith("vapid t=")


def test_one_signature_for_many_pushes_to_one_origin(push_service, sender, target):
    targets = [target(i) for i in range(20)]
    results = sender.send_many(targets, lambda t: _data(), ttl=60)
    assert {r.outcome for r in results} == {"sent"} and [r.delivery_id for r in results] == list(range(20))
    assert sender.vapid.signed == 1


def test_payload_stays_under_3000_bytes_encrypted():
    data = s.payload(title="제" * 120, body="가" * 1000, url="/board/" + "9" * 400, tag="t", message_id=1,
                     receipt="1.abc")
    assert len(data) + s.OVERHEAD <= s.PAYLOAD_MAX
    decoded = json.loads(data)
    assert decoded["title"] == "제" * 120 and decoded["body"].endswith("…") and decoded["url"].endswith("9")


def test_receipts_verify_and_refuse_forgeries():
    token = s.receipt_for(42, "secret")
    assert s.read_receipt(token, "secret") == 42
    for bad in (token + "x", "43." + token.split(".")[1], token.replace("42", "042"), "", None, 5, "1.2.3",
                "99999999999." + token.split(".")[1], s.receipt_for(42, "other")):
        assert s.read_receipt(bad, "secret") is None


@pytest.mark.parametrize(("answer", "outcome"), [(404, "removed"), (410, "removed"), (413, "failed"),
                                                  (400, "failed"), (500, "retry"), (502, "retry"), (503, "retry")])
def test_answers(push_service, sender, target, answer, outcome):
    one = target()
    httpx.post(f"{push_service.base}/_sim/config", json={"subscription": one.endpoint, "answers": [answer]})
    result = sender.send_one(one, _data(), ttl=60)
    assert (result.outcome, result.status) == (outcome, answer)
    assert sender.send_one(one, _data(), ttl=60).outcome == "sent"   # the injected answer was used once


def test_429_honours_retry_after(push_service, sender, target):
    httpx.post(f"{push_service.base}/_sim/config", json={"answer": 429, "retry_after": 7})
    result = sender.send_one(target(), _data(), ttl=60)
    assert (result.outcome, result.status, result.retry_after) == ("retry", 429, 7.0)


def test_retry_after_as_a_date_or_garbage():
    assert s.retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert s.retry_after("99999999999") == s.RETRY_AFTER_MAX
    assert s.retry_after("soon") is None and s.retry_after(None) is None


def test_timeout_is_a_retry(push_service, sender, target):
    httpx.post(f"{push_service.base}/_sim/config", json={"answer": "timeout", "timeout_s": 2.0})
    started = time.monotonic()
    result = sender.send_one(target(), _data(), ttl=60)
    assert (result.outcome, result.error) == ("retry", "timeout") and time.monotonic() - started < 1.8


def test_refused_connection_is_a_retry(sender):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    one = s.Target(1, f"http://127.0.0.1:{port}/push/x", RFC_8291["ua_public"], RFC_8291["auth"])
    assert sender.send_one(one, _data(), ttl=60).outcome == "retry"


def test_wrong_vapid_key_is_refused_by_the_service(push_service, sender, tmp_path):
    sub = httpx.post(f"{push_service.base}/_sim/subscriptions", json={"applicationServerKey": "B" + "A" * 86}).json()
    one = s.Target(1, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])
    result = sender.send_one(one, _data(), ttl=60)
    assert (result.outcome, result.status) == ("failed", 403)


def test_the_simulator_accepts_pywebpush_too(push_service, tmp_path):
    """The simulator is checked against an independent implementation: pywebpush's VAPID and encryption."""
    signer = Vapid.from_settings({"INSTANCE_PATH": str(tmp_path), "VAPID_SUBJECT": "mailto:push@goyang.go.kr"})
    sub = httpx.post(f"{push_service.base}/_sim/subscriptions", json={}).json()
    raw = b64url(signer.key.private_numbers().private_value.to_bytes(32, "big"))
    claims = {"sub": "mailto:push@goyang.go.kr"}
    response = pywebpush.webpush(sub, json.dumps({"title": "안녕"}), vapid_private_key=raw, vapid_claims=claims,
                                 ttl=30)
    assert response.status_code == 201 and _received(push_service)[0]["payload"] == {"title": "안녕"}


def test_a_kept_alive_connection_the_service_closed_is_reopened(push_service, sender, target):
    one = target()
    assert sender.send_one(one, _data(), ttl=60).outcome == "sent"
    # The service drops every idle connection (a restart, an idle timeout): the next push still goes out.
    for conn in sender.connections._all:
        if conn.sock is not None:
            conn.sock.shutdown(2)
    assert sender.send_one(one, _data(), ttl=60).outcome == "sent"
    assert len(_received(push_service)) == 2
