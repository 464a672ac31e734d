"""A push through the real job runtime and worker: core.push.send → push.fanout → push.deliver batches → the
push-service simulator, which checks VAPID and decrypts; inbox entries for everyone reached, figures, removal
on 404/410, Retry-After on 429, backoff on 5xx and timeouts, idempotent reruns, and the retention purge."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from core.audience import Audience
from core.jobs.registry import Env
from core.models.jobs import Job
from core.models.organization import Department
from core.models.push import InboxItem, PushDelivery, PushMessage, PushSubscription
from core.push import jobs as push_jobs
from core.push import send
from core.push.sender import read_receipt
from core.timeutil import as_utc, utcnow
from extensions import db
from tests.conftest import wait_db


def _message(message_id: int) -> PushMessage:
    db.session.expire_all()
    return db.session.get(PushMessage, message_id)


def _done(message_id: int):
    message = _message(message_id)
    return message.fanned_out_at and message.sent + message.failed + message.removed == message.targeted and message


@pytest.fixture
def staff(make_user):
    dept = Department(organization="고양특례시", name="교통정책과")
    other = Department(organization="고양특례시", name="민원여권과")
    db.session.add_all([dept, other])
    db.session.commit()
    return {"kim": make_user("kim", display_name="김민준", department_id=dept.id),
            "lee": make_user("lee", display_name="이서연", department_id=dept.id),
            "park": make_user("park", display_name="박지호", department_id=other.id),
            "gone": make_user("gone", is_active=False, department_id=dept.id), "dept": dept, "other": other}


def test_announcement_reaches_every_device_and_every_inbox(app, job_worker, push_service, subscribed, staff):
    kim_phone, kim_tablet, lee_phone = subscribed(staff["kim"]), subscribed(staff["kim"]), subscribed(staff["lee"])
    subscribed(staff["gone"])                    # an inactive account is not reached
    message = send(db.session, audience=Audience.everyone(), title="긴급: 청사 정전",
                   body="18시부터 30분간 정전됩니다.", url="/board/7", urgency="high", topic="post-7",
                   source="board", source_id=7)
    db.session.commit()
    done = wait_db(lambda: _done(message.id))
    assert (done.recipients, done.targeted, done.sent, done.failed, done.removed) == (3, 3, 3, 0, 0)
    inbox = set(db.session.scalars(select(InboxItem.user_id).where(InboxItem.message_id == message.id)))
    assert inbox == {staff["kim"].id, staff["lee"].id, staff["park"].id}
    received = httpx.get(f"{push_service.base}/_sim/received").json()["received"]
    assert {r["endpoint"] for r in received} == {kim_phone["endpoint"], kim_tablet["endpoint"], lee_phone["endpoint"]}
    for got in received:
        body = got["payload"]
        assert (body["title"], body["url"], body["tag"], body["message"]) == ("긴급: 청사 정전", "/board/7", "post-7",
                                                                              message.id)
        assert (got["urgency"], got["topic"], got["ttl"]) == ("high", "post-7", 86400)
        delivery = db.session.get(PushDelivery, read_receipt(body["receipt"], app.config["SECRET_KEY"]))
        assert delivery.message_id == message.id and delivery.state == "sent" and delivery.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)
                             .where(PushSubscription.last_success_at.is_not(None))) == 3


def test_department_audience_and_reruns_change_nothing(app, push_service, subscribed, staff):
    subscribed(staff["kim"])
    subscribed(staff["park"])
    message = send(db.session, audience=Audience.of(departments=[staff["dept"].id]), title="과 회의", url="/inbox")
    db.session.commit()
    env = Env(factory=sessionmaker(bind=db.engine, expire_on_commit=False), settings=app.config)
    push_jobs.handle_fanout(env, {"message_id": message.id})
    first = db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "push.deliver"))
    message.fanned_out_at = None      # as if the job ran again before its outcome was recorded
    db.session.commit()
    push_jobs.handle_fanout(env, {"message_id": message.id})
    message = _message(message.id)
    assert (message.recipients, message.targeted) == (2, 1)   # kim and lee; only kim has a device
    assert db.session.scalar(select(func.count()).select_from(InboxItem)) == 2
    assert db.session.scalar(select(func.count()).select_from(PushDelivery)) == 1
    assert first == 1


def test_batches_of_200(app, push_service, browser_subscription, make_user):
    from core.push import subscriptions

    user = make_user("many")
    extras = subscriptions.extra_hosts(app.config["PUSH_EXTRA_HOSTS"])
    data = browser_subscription()
    for i in range(450):   # one person's keys on many endpoints: only the batching is under test
        parsed = subscriptions.parse({**data, "endpoint": f"{data['endpoint']}-{i}"}, extras)
        db.session.add(PushSubscription(user_id=user.id, endpoint=parsed.endpoint, origin=parsed.origin,
                                        p256dh=parsed.p256dh, auth=parsed.auth))
    db.session.commit()
    message = send(db.session, audience=Audience.of(users=[user.id]), title="t")
    db.session.commit()
    batches = push_jobs.fan_out(db.session, message)
    db.session.commit()
    assert [len(b) for b in batches] == [200, 200, 50]


def test_gone_subscriptions_are_removed(app, job_worker, push_service, subscribed, staff):
    gone_404, gone_410, kept = subscribed(staff["kim"]), subscribed(staff["lee"]), subscribed(staff["park"])
    for sub, code in ((gone_404, 404), (gone_410, 410)):
        httpx.post(f"{push_service.base}/_sim/config", json={"subscription": sub["endpoint"], "answers": [code]})
    message = send(db.session, audience=Audience.everyone(), title="공지")
    db.session.commit()
    done = wait_db(lambda: _done(message.id))
    assert (done.sent, done.removed, done.failed) == (1, 2, 0)
    assert set(db.session.scalars(select(PushSubscription.endpoint))) == {kept["endpoint"]}
    # The inbox still has it for everyone.
    assert db.session.scalar(select(func.count()).where(InboxItem.message_id == message.id)) == 3


def test_413_is_a_permanent_failure(app, job_worker, push_service, subscribed, staff):
    sub = subscribed(staff["kim"])
    httpx.post(f"{push_service.base}/_sim/config", json={"subscription": sub["endpoint"], "answers": [413, 413]})
    message = send(db.session, audience=Audience.everyone(), title="공지")
    db.session.commit()
    done = wait_db(lambda: _done(message.id))
    assert (done.sent, done.failed) == (0, 1)
    delivery = db.session.scalar(select(PushDelivery))
    assert (delivery.state, delivery.status_code, delivery.attempts) == ("failed", 413, 1)
    assert db.session.scalar(select(PushSubscription.failures)) == 1   # kept, but counted as failing


def test_429_waits_for_retry_after_then_sends(app, job_worker, push_service, subscribed, staff):
    sub = subscribed(staff["kim"])
    httpx.post(f"{push_service.base}/_sim/config", json={"retry_after": 2})
    httpx.post(f"{push_service.base}/_sim/config", json={"subscription": sub["endpoint"], "answers": [429]})
    message = send(db.session, audience=Audience.everyone(), title="공지")
    db.session.commit()
    wait_db(lambda: db.session.scalar(select(PushDelivery.status_code)) == 429)
    retry = db.session.scalar(select(Job).where(Job.kind == "push.deliver").order_by(Job.id.desc()).limit(1))
    assert 1.0 <= (as_utc(retry.run_at) - utcnow()).total_seconds() + 0.5 <= 2.6
    done = wait_db(lambda: _done(message.id))
    delivery = db.session.scalar(select(PushDelivery))
    assert (done.sent, delivery.attempts, delivery.status_code) == (1, 2, 201)


def test_5xx_and_timeouts_retry_with_backoff(app, job_worker, push_service, subscribed, staff, monkeypatch):
    monkeypatch.setattr(push_jobs, "BACKOFF_BASE_S", 0.2)   # seconds, not minutes, in a test
    app.config["PUSH_TIMEOUT_SECONDS"] = 1
    flaky, slow = subscribed(staff["kim"]), subscribed(staff["lee"])
    httpx.post(f"{push_service.base}/_sim/config", json={"timeout_s": 1.5})
    httpx.post(f"{push_service.base}/_sim/config", json={"subscription": flaky["endpoint"], "answers": [503, 500]})
    httpx.post(f"{push_service.base}/_sim/config", json={"subscription": slow["endpoint"], "answers": ["timeout"]})
    message = send(db.session, audience=Audience.everyone(), title="공지")
    db.session.commit()
    done = wait_db(lambda: _done(message.id), 30)
    assert (done.sent, done.failed) == (2, 0)
    attempts = dict(db.session.execute(select(PushDelivery.subscription_id, PushDelivery.attempts)).all())
    assert sorted(attempts.values()) == [2, 3]


def test_transient_failures_give_up_after_max_attempts(app, job_worker, push_service, subscribed, staff,
                                                       monkeypatch):
    monkeypatch.setattr(push_jobs, "BACKOFF_BASE_S", 0.05)
    monkeypatch.setattr(push_jobs, "MAX_ATTEMPTS", 3)
    subscribed(staff["kim"])
    httpx.post(f"{push_service.base}/_sim/config", json={"answer": 503})
    message = send(db.session, audience=Audience.everyone(), title="공지")
    db.session.commit()
    done = wait_db(lambda: _done(message.id), 30)
    assert (done.sent, done.failed) == (0, 1)
    delivery = db.session.scalar(select(PushDelivery))
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("failed", 3, 503)


def test_purge_keeps_90_days(app, make_user, clock):
    user = make_user("kim")
    old = send(db.session, audience=Audience.everyone(), title="old")
    db.session.flush()
    old.created_at = utcnow() - timedelta(days=91)
    db.session.add(InboxItem(message_id=old.id, user_id=user.id, created_at=old.created_at))
    new = send(db.session, audience=Audience.everyone(), title="new")
    db.session.flush()
    db.session.add(InboxItem(message_id=new.id, user_id=user.id))
    db.session.commit()
    counts = push_jobs.purge(db.session, 90)
    db.session.commit()
    assert counts == {"inbox": 1, "deliveries": 0, "messages": 1}
    assert [m.title for m in db.session.scalars(select(PushMessage))] == ["new"]
