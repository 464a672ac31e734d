"""The push API: the public key, subscribing (validated, re-synced, several devices, a limit), turning push off,
and the service worker's receipts; CSRF on the cookie-authenticated changes; hostile bodies never a 500."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.audience import Audience
from core.models.push import PushDelivery, PushMessage, PushSubscription
from core.push import send, subscriptions
from core.push.sender import receipt_for
from extensions import db
from tests.conftest import csrf_token_from

P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"


@pytest.fixture
def signed_in(client, login, make_user):
    """A staff member signed in through the form; returns (user, headers with the page's CSRF token)."""
    def sign_in(username: str = "kim", test_client=None):
        user = make_user(username)
        c = test_client or client
        login(username, test_client=c)
        token = csrf_token_from(c.get("/more").get_data(as_text=True))
        return user, {"X-CSRFToken": token}
    return sign_in


def test_public_key(app, client, signed_in):
    assert app.test_client().get("/api/push/key").status_code == 401
    signed_in()
    response = client.get("/api/push/key")
    key = response.get_json()["publicKey"]
    assert response.status_code == 200 and len(key) == 87 and key.startswith("B")
    assert client.get("/api/push/key", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_subscribe_resync_and_unsubscribe(client, signed_in, browser_subscription):
    user, headers = signed_in()
    sub = browser_subscription()
    first = client.post("/api/push/subscriptions", json=sub, headers=headers)
    assert first.status_code == 201 and first.get_json()["created"] is True
    rotated = {**sub, "keys": {"p256dh": P256DH, "auth": AUTH}}
    again = client.post("/api/push/subscriptions", json=rotated, headers=headers)
    assert again.status_code == 200 and again.get_json() == {"id": first.get_json()["id"], "devices": 1,
                                                             "created": False}
    row = db.session.scalar(select(PushSubscription))
    assert (row.user_id, row.p256dh, row.auth) == (user.id, P256DH, AUTH)
    second = client.post("/api/push/subscriptions", json=browser_subscription(), headers=headers)
    assert second.get_json()["devices"] == 2     # a second device of the same person
    gone = client.delete("/api/push/subscriptions", json={"endpoint": sub["endpoint"]}, headers=headers)
    assert gone.get_json() == {"removed": True}
    assert client.delete("/api/push/subscriptions", json={"endpoint": sub["endpoint"]},
                         headers=headers).get_json() == {"removed": False}


def test_a_shared_phone_moves_to_whoever_signs_in(app, client, signed_in, browser_subscription):
    sub = browser_subscription()
    _, headers = signed_in("kim")
    client.post("/api/push/subscriptions", json=sub, headers=headers)
    other = app.test_client()
    lee, lee_headers = signed_in("lee", test_client=other)
    assert other.post("/api/push/subscriptions", json=sub, headers=lee_headers).status_code == 200
    assert db.session.scalar(select(PushSubscription.user_id)) == lee.id
    # kim can no longer remove what is now lee's
    assert client.delete("/api/push/subscriptions", json={"endpoint": sub["endpoint"]},
                         headers=headers).get_json() == {"removed": False}


def test_device_limit_replaces_the_oldest(client, signed_in, browser_subscription):
    _, headers = signed_in()
    subs = [browser_subscription() for _ in range(subscriptions.MAX_DEVICES + 2)]
    for sub in subs:
        client.post("/api/push/subscriptions", json=sub, headers=headers)
    kept = set(db.session.scalars(select(PushSubscription.endpoint)))
    assert len(kept) == subscriptions.MAX_DEVICES and subs[0]["endpoint"] not in kept
    assert subs[-1]["endpoint"] in kept


@pytest.mark.parametrize(("endpoint", "code"), [
    ("https://evil.example.com/push/1", "unknown_push_service"),
    ("https://fcm.googleapis.com.evil.example/x", "unknown_push_service"),
    ("https://push.apple.com/x", "unknown_push_service"),
    ("https://fcm.googleapis.com:8443/x", "unknown_push_service"),
    ("http://fcm.googleapis.com/fcm/send/x", "insecure_endpoint"),
    ("https://user@fcm.googleapis.com/x", "invalid_endpoint"),
    ("https://[::1/x", "invalid_endpoint"),
    ("ftp://127.0.0.1/x", "insecure_endpoint"),
    ("http://127.0.0.1:1/push/x", "insecure_endpoint"),     # the simulator is allowed on its own port only
    ("https://fcm.googleapis.com/" + "x" * 1000, "invalid_endpoint"),
    ("", "missing_endpoint"),
    ("http://169.254.169.254/latest/meta-data", "insecure_endpoint"),
])
def test_endpoints_refused(client, signed_in, push_service, endpoint, code):
    _, headers = signed_in()
    response = client.post("/api/push/subscriptions", json={"endpoint": endpoint, "keys": {"p256dh": P256DH,
                                                                                           "auth": AUTH}},
                           headers=headers)
    assert response.status_code == 400 and response.get_json()["code"] == code
    assert "error" in response.get_json()
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


@pytest.mark.parametrize("endpoint", ["https://fcm.googleapis.com/fcm/send/abc", "https://web.push.apple.com/QGx",
                                      "https://updates.push.services.mozilla.com/wpush/v2/x",
                                      "https://wns2-par02p.notify.windows.com/w/?token=x"])
def test_known_services_accepted(client, signed_in, endpoint):
    _, headers = signed_in()
    response = client.post("/api/push/subscriptions", json={"endpoint": endpoint, "keys": {"p256dh": P256DH,
                                                                                           "auth": AUTH}},
                           headers=headers)
    assert response.status_code == 201


@pytest.mark.parametrize("keys", [None, {}, {"p256dh": P256DH}, {"p256dh": "A" * 87, "auth": AUTH},
                                  {"p256dh": P256DH, "auth": AUTH[:-2]}, {"p256dh": P256DH + "!", "auth": AUTH},
                                  {"p256dh": 5, "auth": AUTH}, {"p256dh": "B" + "A" * 86, "auth": AUTH}])
def test_keys_refused(client, signed_in, keys):
    _, headers = signed_in()
    response = client.post("/api/push/subscriptions", json={"endpoint": "https://fcm.googleapis.com/fcm/send/a",
                                                            "keys": keys}, headers=headers)
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_keys"


def test_csrf_and_sign_in_required(app, client, signed_in, browser_subscription):
    sub = browser_subscription()
    anonymous = app.test_client()
    assert anonymous.post("/api/push/subscriptions", json=sub).status_code in (400, 401)
    signed_in()
    refused = client.post("/api/push/subscriptions", json=sub)        # signed in, no X-CSRFToken
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf_failed"
    assert client.delete("/api/push/subscriptions", json={"endpoint": sub["endpoint"]}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def _delivery(user) -> PushDelivery:
    message = send(db.session, audience=Audience.everyone(), title="t")
    db.session.flush()
    sub = PushSubscription(user_id=user.id, endpoint="https://fcm.googleapis.com/x", origin="https://fcm.googleapis.com",
                           p256dh=P256DH, auth=AUTH)
    db.session.add(sub)
    db.session.flush()
    delivery = PushDelivery(message_id=message.id, subscription_id=sub.id, user_id=user.id, state="sent")
    db.session.add(delivery)
    db.session.commit()
    return delivery


def test_events_count_once_and_need_a_real_receipt(app, make_user):
    delivery = _delivery(make_user("kim"))
    sw = app.test_client()    # the service worker: no session, no CSRF token
    receipt = receipt_for(delivery.id, app.config["SECRET_KEY"])
    assert sw.post("/api/push/events", json={"receipt": receipt, "event": "shown"}).get_json() == {"counted": True}
    assert sw.post("/api/push/events", json={"receipt": receipt, "event": "shown"}).get_json() == {"counted": False}
    assert sw.post("/api/push/events", json={"receipt": receipt, "event": "clicked"}).get_json() == {"counted": True}
    for body, code in (({"receipt": receipt_for(delivery.id, "guess"), "event": "shown"}, "invalid_receipt"),
                       ({"receipt": receipt, "event": "opened"}, "invalid_event"), ([1], "invalid_json"),
                       ({"receipt": "1" * 70, "event": "shown"}, "invalid_receipt")):
        response = sw.post("/api/push/events", json=body)
        assert response.status_code == 400 and response.get_json()["code"] == code
    message = db.session.get(PushMessage, delivery.message_id)
    db.session.refresh(message)
    assert (message.shown, message.clicked) == (1, 1)


def test_a_click_without_a_shown_report_counts_as_shown(app, make_user):
    delivery = _delivery(make_user("kim"))
    receipt = receipt_for(delivery.id, app.config["SECRET_KEY"])
    app.test_client().post("/api/push/events", json={"receipt": receipt, "event": "clicked"})
    message = db.session.get(PushMessage, delivery.message_id)
    db.session.refresh(message)
    assert (message.shown, message.clicked) == (1, 1)


def test_events_are_rate_limited(app, make_user, monkeypatch):
    from blueprints.pwa import push_api

    monkeypatch.setattr(push_api, "EVENTS_PER_MINUTE", 3)
    sw = app.test_client()
    answers = [sw.post("/api/push/events", json={"receipt": "1.x", "event": "shown"}) for _ in range(5)]
    assert [a.status_code for a in answers] == [400, 400, 400, 429, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                max_size=4), max_leaves=12)
BODIES = st.one_of(JSON, st.fixed_dictionaries({"endpoint": st.text(max_size=300) | JSON,
                                                "keys": st.fixed_dictionaries({"p256dh": st.text(max_size=100),
                                                                               "auth": st.text(max_size=30)}) | JSON}))


@pytest.mark.slow
def test_fuzzed_bodies_never_a_500_and_store_nothing(client, signed_in):
    _, headers = signed_in()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(body=BODIES)
    def run(body):
        data = json.dumps(body).encode()
        for method in (client.post, client.delete):
            response = method("/api/push/subscriptions", data=data, headers={**headers,
                                                                            "Content-Type": "application/json"})
            assert response.status_code in (200, 400) and response.is_json
    run()
    raw = client.post("/api/push/subscriptions", data=b"\xff\xfe{", headers={**headers,
                                                                            "Content-Type": "application/json"})
    assert raw.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
