"""The demo history (``demo-calls --days``), provider health in /metrics and on the console home."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.lettering.demo_history import seed_history
from core.lettering.lift import lift
from core.lettering.stats import kst_bounds
from core.models.calls import Call
from core.models.jobs import Job
from core.timeutil import utcnow
from extensions import db


def test_demo_history_is_complete_marked_and_shows_a_lift(app, lines, clock, runner):
    now = clock.set_kst(2026, 3, 4, 2)               # at night: the history must not look empty
    app.config["LETTERING_HOLDOUT_PERCENT"] = 0       # the demo's own 10 % then
    result = runner.invoke(args=["lettering", "demo-calls", "--days", "30"])
    assert result.exit_code == 0, result.output
    outgoing = db.session.scalar(select(func.count()).where(Call.lettering_status != "incoming"))
    held = db.session.scalar(select(func.count()).where(Call.holdout))
    assert outgoing > 3000 and 0.07 < held / outgoing < 0.13
    assert db.session.scalar(select(func.count()).where(Call.lettering_status == "holdout")) == held
    # Already complete: nothing pending, nothing for the worker, no number kept.
    assert not db.session.scalar(select(func.count()).where(
        (Call.lettering_status == "pending") | Call.outcome.is_(None) | Call.peer_encrypted.is_not(None)
        | Call.alimtalk_status.in_(("queued", "held", "sending"))))
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert db.session.scalar(select(func.count()).where(Call.alimtalk_status == "delivered")) > 0
    assert db.session.scalar(select(func.count()).where(Call.created_at > now)) == 0
    today = date(2026, 3, 4)
    start, end = kst_bounds(today - timedelta(days=29), today)
    city, departments = lift(db.session, start, end, utcnow())
    answered = city.measures[0]
    assert answered.enough and answered.difference.excludes_zero and answered.difference.estimate > 0.05
    assert {d.name for d in departments} == {"대중교통과", "세정과"}
    again = runner.invoke(args=["lettering", "demo-calls", "--days", "30"])
    assert '"days": 0, "outgoing": 0, "incoming": 0' in again.output   # a day with history is left alone
    assert seed_history(db.session, app.config, 31).days == 1


def test_provider_health_is_in_metrics_and_on_the_console_home(app, client, login, make_user, lines, make_call):
    bus = lines[0]
    make_call(bus, lettering_status="accepted", carrier_latency_ms=120)
    make_call(bus, lettering_status="failed", carrier_latency_ms=2100)
    db.session.add(Job(kind="lettering.dial", status="dead", last_error="carrier timeout after 3 tries"))
    db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'portal_provider_error_ratio{provider="carrier",window="hour"} 0.5' in text
    assert 'portal_provider_requests{provider="carrier",window="day"} 2.0' in text
    assert 'portal_provider_latency_seconds{provider="carrier",quantile="0.50",window="hour"} 0.12' in text
    assert 'portal_jobs_dead_by_cause{cause="carrier timeout after # tries",kind="lettering.dial"} 1.0' in text
    assert "portal_alimtalk_awaiting_reports 0.0" in text
    make_user("boss", role="admin")
    login("boss")
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="provider-health"' in home and "50.0%" in home and "carrier timeout after # tries" in home
    make_user("dept", role="dept_admin", department_id=bus.department_id)
    other = app.test_client()
    login("dept", test_client=other)
    assert 'id="provider-health"' not in other.get("/admin/").get_data(as_text=True)
