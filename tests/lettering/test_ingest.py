"""POST /api/pbx/events against PROTOCOLS.md §1: signatures, the timestamp window, per-field errors with
nothing stored, the size limit, batches with duplicates, load shedding, and one transaction per request."""
import json
import time

import pytest
from sqlalchemy import func, select, text

from core import jobs
from core.lettering import ingest
from core.models.calls import Call, CallEvent, CallLog
from core.models.jobs import Job
from core.privacy import decrypt_phone, phone_hash
from extensions import db
from tests.lettering.conftest import event


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_stored() -> bool:
    return count(CallEvent) == count(Call) == count(Job) == count(CallLog) == 0


def test_a_dial_is_stored_with_its_call_and_job(post_events, line, app):
    response = post_events([event("c-1", "dial", peer="010-1234-5678", line="1234")])
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 1, "duplicates": 0}
    call = db.session.scalar(select(Call))
    assert (call.call_id, call.line_id, call.department_id) == ("c-1", line.id, line.department_id)
    assert call.lettering_status == "pending"
    assert call.peer_masked == "010-****-5678"
    assert call.peer_hash == phone_hash("+821012345678", app.config["PHONE_HASH_KEY"])
    assert decrypt_phone(call.peer_encrypted, app.config["PHONE_ENCRYPTION_KEY"]) == "+821012345678"
    assert "5678" not in call.peer_encrypted and "1234-5678" not in json.dumps(db.session.scalar(
        select(CallEvent.detail)))
    job = db.session.scalar(select(Job))
    assert (job.kind, job.payload["call_id"], job.status) == ("lettering.dial", "c-1", "queued")
    timeline = db.session.scalars(select(CallLog.summary)).all()
    assert timeline == ["발신 시작: 031-8075-1234 → 010-****-5678"]


def test_a_single_event_body_without_the_batch_wrapper(post_events, line):
    response = post_events(event("c-2", "dial", line="+82 31-8075-1234"))
    assert response.get_json() == {"accepted": 1, "duplicates": 0}
    assert db.session.scalar(select(Call.line_id)) == line.id


def test_a_batch_with_repeats_stores_each_event_once(post_events, line):
    dial = event("c-1", "dial")
    missed = event("c-1", "missed")
    first = post_events([dial, missed, dial])
    assert first.get_json() == {"accepted": 2, "duplicates": 1}
    again = post_events([missed, event("c-2", "dial")])
    assert again.get_json() == {"accepted": 1, "duplicates": 1}
    assert count(CallEvent) == 3
    assert count(Call) == 2
    kinds = sorted(db.session.scalars(select(Job.kind)))
    assert kinds == ["lettering.dial", "lettering.dial", "lettering.fallback", "lettering.state"]


def test_call_outcome_follows_its_events(post_events, line):
    post_events([event("c-1", "dial"), event("c-1", "ringing"), event("c-1", "answered"),
                 event("c-1", "ended", duration_s=42)])
    call = db.session.scalar(select(Call))
    assert (call.outcome, call.duration_s) == ("answered", 42)
    assert call.answered_at is not None and call.ended_at is not None


def test_an_unknown_line_is_recorded_but_never_lettered(post_events, line):
    post_events([event("c-9", "dial", line="9999")])
    assert db.session.scalar(select(Call.lettering_status)) == "no_line"


def test_an_incoming_call_starts_no_job_and_keeps_no_number(post_events, line):
    post_events([event("c-in", "incoming"), event("c-in", "ended", duration_s=3)])
    call = db.session.scalar(select(Call))
    assert (call.lettering_status, call.peer_encrypted) == ("incoming", None)
    assert count(Job) == 0


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda e: e.pop("event_id"), "event_id"),
    (lambda e: e.update(event_id="x" * 65), "event_id"),
    (lambda e: e.update(call_id=""), "call_id"),
    (lambda e: e.update(type="hangup"), "type"),
    (lambda e: e.update(line="교통정책과"), "line"),
    (lambda e: e.update(peer="010-12"), "peer"),
    (lambda e: e.update(peer=None), "peer"),
    (lambda e: e.update(at="2026-01-05 09:12:33"), "at"),
    (lambda e: e.update(at="yesterday"), "at"),
    (lambda e: e.update(type="ended", duration_s="12"), "duration_s"),
    (lambda e: e.update(type="ended", duration_s=-1), "duration_s"),
])
def test_a_bad_field_is_named_and_nothing_is_stored(post_events, line, mutate, field):
    good = event("c-1", "dial")
    bad = event("c-2", "dial")
    mutate(bad)
    response = post_events([good, bad])
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert {"index": 1, "field": field} == {k: errors[0][k] for k in ("index", "field")}
    assert errors[0]["message"]
    assert nothing_stored()


def test_errors_never_repeat_the_number(post_events, line):
    response = post_events([event("c-1", "dial", peer="010-1234-56789")])
    assert response.status_code == 400
    assert "1234" not in response.get_data(as_text=True)


def test_several_errors_are_all_reported(post_events, line):
    bad = {"event_id": "", "call_id": "c", "type": "x", "line": "1234", "peer": "010-1234-5678", "at": "now"}
    errors = post_events([bad]).get_json()["errors"]
    assert sorted(e["field"] for e in errors) == ["at", "event_id", "type"]


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"events": []}', b'{"events": "x"}', b'"text"'])
def test_malformed_bodies(post_events, body):
    response = post_events(body=body)
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] in ("body", "events", "event")
    assert nothing_stored()


def test_more_than_500_events_are_refused(post_events, line):
    response = post_events([event(f"c-{i}", "dial") for i in range(501)])
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "events"
    assert nothing_stored()


def test_500_events_are_accepted(post_events, line):
    response = post_events([event(f"c-{i}", "dial") for i in range(500)])
    assert response.get_json() == {"accepted": 500, "duplicates": 0}
    assert count(Job) == 500


def test_a_wrong_signature_is_refused(post_events, line):
    response = post_events([event("c-1", "dial")], secret="not-the-secret")
    assert response.status_code == 401
    assert response.get_json()["error"]
    assert nothing_stored()


def test_missing_signature_headers_are_refused(client, line):
    response = client.post("/api/pbx/events", json=event("c-1", "dial"))
    assert response.status_code == 401
    assert nothing_stored()


def test_a_tampered_body_is_refused(client, app, line):
    body = json.dumps(event("c-1", "dial")).encode()
    headers = ingest.sign(app.config["PBX_WEBHOOK_SECRET"], body)
    response = client.post("/api/pbx/events", data=body.replace(b"c-1", b"c-2"), headers=headers)
    assert response.status_code == 401
    assert nothing_stored()


@pytest.mark.parametrize(("offset", "status"), [(-301, 401), (301, 401), (-299, 202), (299, 202)])
def test_the_timestamp_window_is_300_seconds(post_events, line, offset, status):
    response = post_events([event("c-1", "dial")], timestamp=int(time.time()) + offset)
    assert response.status_code == status


def test_a_body_over_one_mebibyte_is_refused(post_events, line):
    filler = {"events": [event("c-1", "dial")], "padding": "x" * (1024 * 1024)}
    response = post_events(body=json.dumps(filler).encode())
    assert response.status_code == 413
    assert nothing_stored()


def test_a_body_larger_than_its_content_length_claims_is_refused(app, line):
    """A client that lies about Content-Length (or streams) is measured by what really arrives."""
    from werkzeug.test import EnvironBuilder

    body = b"[" + b" " * (1024 * 1024 + 10) + b"]"
    headers = ingest.sign(app.config["PBX_WEBHOOK_SECRET"], body)
    environ = EnvironBuilder(path="/api/pbx/events", method="POST", data=body, headers=headers).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    from werkzeug.wrappers import Response

    response = Response.from_app(app, environ)
    assert response.status_code == 413
    assert nothing_stored()


def test_load_is_shed_with_retry_after(post_events, app, line):
    app.config["LETTERING_MAX_BACKLOG"] = 2
    from blueprints.pbx import routes

    for i in range(3):
        jobs.enqueue(db.session, "lettering.dial", {"call_id": f"old-{i}"})
    db.session.commit()
    routes._backlog["at"] = 0.0  # forget the cached count
    response = post_events([event("c-1", "dial")])
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert count(Call) == 0


def test_event_and_job_share_one_transaction(post_events, line):
    """When the queue cannot take the job, the event is not stored either (the PBX sends it again)."""
    postgres = db.engine.dialect.name == "postgresql"
    statements = ([
        "CREATE FUNCTION refuse_jobs() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'queue unavailable'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION refuse_jobs()",
    ] if postgres else [
        "CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'queue unavailable'); END",
    ])
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    try:
        response = post_events([event("c-1", "dial")])
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_jobs" + (" ON jobs" if postgres else "")))
            if postgres:
                conn.execute(text("DROP FUNCTION refuse_jobs()"))
    assert response.status_code == 500
    assert response.get_json()["error"]
    assert nothing_stored()
    assert post_events([event("c-1", "dial")]).status_code == 202


def test_field_errors_speak_the_senders_language_in_the_fixed_shape(client, app, line):
    bad = event("c-1", "dial")
    bad.update(type="ring", event_id="")
    body = json.dumps({"events": [event("c-0", "dial"), bad]}).encode()
    headers = ingest.sign(app.config["PBX_WEBHOOK_SECRET"], body)
    english = client.post("/api/pbx/events", data=body, headers={**headers, "Accept-Language": "en"})
    korean = client.post("/api/pbx/events", data=body, headers=headers)
    assert english.status_code == korean.status_code == 400
    # PROTOCOLS.md §1 fixes the body: {"errors": [{"index", "field", "message"}]} and nothing else.
    assert set(english.get_json()) == {"errors"}
    assert {frozenset(e) for e in english.get_json()["errors"]} == {frozenset({"index", "field", "message"})}
    by_field = {e["field"]: e for e in english.get_json()["errors"]}
    assert by_field["event_id"] == {"index": 1, "field": "event_id",
                                    "message": "event_id must be a non-empty string."}
    assert by_field["type"]["message"] == "type must be one of dial, ringing, answered, missed, ended, incoming."
    messages = {e["field"]: e["message"] for e in korean.get_json()["errors"]}
    assert messages == {"event_id": "event_id은(는) 비어 있지 않은 문자열이어야 합니다.",
                        "type": "type은 dial, ringing, answered, missed, ended, incoming 중 하나여야 합니다."}
    assert nothing_stored()


def test_refusals_carry_a_stable_code_and_a_translated_message(client, app, line):
    body = json.dumps(event("c-1", "dial")).encode()
    headers = {**ingest.sign("not-the-secret", body), "Accept-Language": "en"}
    english = client.post("/api/pbx/events", data=body, headers=headers).get_json()
    assert english["code"] == "bad_signature" and english["status"] == 401
    assert english["error"].startswith("The signature is invalid")
    korean = client.post("/api/pbx/events", data=body, headers={**headers, "Accept-Language": "ko"}).get_json()
    assert korean["code"] == "bad_signature" and korean["error"].startswith("서명이 올바르지 않거나")
    huge = b"x" * (ingest.MAX_BODY_BYTES + 1)
    signed = {**ingest.sign(app.config["PBX_WEBHOOK_SECRET"], huge), "Accept-Language": "en"}
    too_big = client.post("/api/pbx/events", data=huge, headers=signed)
    assert too_big.status_code == 413
    assert too_big.get_json() == {"code": "body_too_large", "error": "The body is larger than 1 MiB.", "status": 413}
