"""The retention purge: after RETENTION_DAYS only the hash, the masked number and the outcome remain."""
from datetime import timedelta

from sqlalchemy import select, update

from core.lettering import retention
from core.models.calls import Call, CallEvent
from core.models.jobs import Job
from core.models.ratelimit import RateLimit
from core.ratelimit import purge_stale
from core.timeutil import utcnow
from extensions import db
from tests.lettering.conftest import event


def age(days: int) -> None:
    """Make everything stored so far ``days`` old."""
    then = utcnow() - timedelta(days=days)
    db.session.execute(update(Call).values(created_at=then))
    db.session.execute(update(CallEvent).values(received_at=then))
    db.session.execute(update(Job).values(status="done", finished_at=then))
    db.session.commit()


def test_old_numbers_and_event_details_are_purged(post_events, line, app):
    post_events([event("old", "dial"), event("old", "ended", duration_s=5)])
    age(31)
    post_events([event("new", "dial")])
    counts = retention.purge(db.session, 30)
    db.session.commit()
    assert counts == {"numbers": 1, "event_details": 2}
    old = db.session.scalar(select(Call).where(Call.call_id == "old"))
    assert old.peer_encrypted is None
    assert (old.peer_masked, len(old.peer_hash), old.duration_s) == ("010-****-5678", 64, 5)
    assert all(e.detail == {} for e in db.session.scalars(select(CallEvent).where(CallEvent.call_id == "old")))
    new = db.session.scalar(select(Call).where(Call.call_id == "new"))
    assert new.peer_encrypted is not None
    assert db.session.scalar(select(CallEvent.detail).where(CallEvent.call_id == "new")) == {"line": "031-8075-1234"}
    assert retention.purge(db.session, 30) == {"numbers": 0, "event_details": 0}  # idempotent


def test_the_worker_runs_the_purge(post_events, line, make_worker):
    post_events([event("old", "dial")])
    age(40)
    make_worker(RETENTION_DAYS=30).run(once=True)
    db.session.rollback()
    assert db.session.scalar(select(Call.peer_encrypted).where(Call.call_id == "old")) is None


def test_rate_limit_rows_go_after_an_hour(app):
    now = utcnow()
    db.session.add_all([RateLimit(scope="public.lookup", key_hash="a" * 64, window_start=int(now.timestamp()) - 3700,
                                  hits=3, prev_hits=0),
                        RateLimit(scope="public.lookup", key_hash="b" * 64, window_start=int(now.timestamp()) - 60,
                                  hits=1, prev_hits=2)])
    db.session.commit()
    assert purge_stale(db.session, now.timestamp()) == 1
    db.session.commit()
    assert db.session.scalars(select(RateLimit.key_hash)).all() == ["b" * 64]
