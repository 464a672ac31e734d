"""The holdout end to end: ingest marks the call from its id, dispatch sends nothing (no lettering, no
AlimTalk), the timeline says so; a lettered call records the providers' answer times."""
from sqlalchemy import select

from core.lettering.holdout import HOLDOUT_SKIPPED, assigner
from core.models.calls import CallLog
from extensions import db
from tests.lettering.conftest import call_row, event, iphone_number, supported_number


def _timeline(call_id: str) -> list[CallLog]:
    call = call_row(call_id)
    return list(db.session.scalars(select(CallLog).where(CallLog.call_pk == call.id).order_by(CallLog.id)))


def test_a_held_out_call_gets_neither_lettering_nor_alimtalk(app, post_events, drain, sim, line, template):
    app.config["LETTERING_HOLDOUT_PERCENT"] = 100
    peer = iphone_number()          # would get an AlimTalk after a missed call if it were not held out
    post_events([event("h-1", "dial", peer=peer), event("h-1", "missed", peer=peer)])
    drain()
    call = call_row("h-1")
    assert call.holdout is True and call.lettering_status == "holdout"
    assert (call.fallback_decision, call.fallback_reason) == ("skip", "holdout")
    assert call.alimtalk_status is None and call.peer_encrypted is None
    assert sim.requests("carrier") == [] and sim.requests("kakao") == []
    rows = _timeline("h-1")
    assert any(r.kind == "carrier" and r.summary == HOLDOUT_SKIPPED and r.detail == {"status": "holdout"}
               for r in rows)


def test_the_mark_is_written_once_and_incoming_calls_are_never_held_out(app, post_events, drain, sim, line):
    app.config["LETTERING_HOLDOUT_PERCENT"] = 100
    post_events([event("in-1", "incoming", peer="010-2222-3333")])
    assert call_row("in-1").holdout is False and call_row("in-1").lettering_status == "incoming"
    app.config["LETTERING_HOLDOUT_PERCENT"] = 0
    post_events([event("c-9", "dial", peer=supported_number())])
    drain()
    call = call_row("c-9")
    assert call.holdout is False and call.lettering_status == "accepted"
    assert call.carrier_latency_ms is not None and 0 <= call.carrier_latency_ms < 5000


def test_an_incoming_call_keeps_only_the_hash_of_the_citizen(app, post_events, line):
    post_events([event("in-2", "incoming", peer="010-4444-5555")])
    call = call_row("in-2")
    assert call.peer_encrypted is None and len(call.peer_hash) == 64
    stored = repr([(c.name, getattr(call, c.name)) for c in call.__table__.columns])
    assert "01044445555" not in stored and "+821044445555" not in stored and "4444-5555" not in stored


def test_the_configured_share_follows_the_setting(app):
    held = assigner({"LETTERING_HOLDOUT_PERCENT": 10, "SECRET_KEY": "k"})
    assert sum(held(f"c-{i}") for i in range(2000)) in range(140, 261)
    assert not any(assigner({"LETTERING_HOLDOUT_PERCENT": 0, "SECRET_KEY": "k"})(f"c-{i}") for i in range(500))
    assert not any(assigner({"LETTERING_HOLDOUT_PERCENT": "bad", "SECRET_KEY": "k"})(f"c-{i}") for i in range(50))
