"""Demo history: ``flask --app app lettering demo-calls --days 30`` and the demo seed write a month of finished
calls straight into the database, so that a fresh ``make run`` has charts and a lift to read.

The calls are what the engine would have recorded, already complete: the carrier's answer, the outcome, the
fallback decision and its AlimTalk (an evening call's AlimTalk went out at 08:00 the next morning, as the
quiet hours say), the delivery reports, and incoming calls, some of them citizens calling back. Nothing
waits for the worker, so the demo does not look empty at night (live demo calls sent at night keep their
AlimTalk held until the morning; README "Quiet hours"). The holdout marks come from the same
``core.lettering.holdout`` assignment as live calls, at the configured share (10 % when it is 0), and held-out
calls are answered less often, as the studies of caller identification suggest: lettered 62 %, held out
40 % (an iPhone that cannot show lettering answers like a held-out call). Reproducible: each day's calls
come from a random generator seeded with the date. A day that already has demo history is left alone,
so running it again adds only the missing days.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.lettering.dispatch import ALIMTALK_LABELS, CARRIER_LABELS, FALLBACK_LABELS, NOT_LETTERED
from core.lettering.holdout import holdout_key, holdout_percent, is_holdout
from core.lettering.ingest import ENDED_AFTER, SUMMARIES
from core.lettering.policy import REASONS, in_quiet_hours, quiet_hours_end
from core.lettering.reports import KAKAO_LABELS, RECEIPT_LABELS
from core.models.calls import Call, CallLog
from core.models.lettering import Line
from core.phone import format_korean, mask
from core.privacy import phone_hash
from core.timeutil import KST, utcnow

PREFIX = "hist-"
DEMO_HOLDOUT_PERCENT = 10.0
OUTGOING_PER_DAY = 200          # a sample of the city's ~6,000 a weekday, enough for the lift to say something
INCOMING_PER_DAY = 200
CITIZENS = 4000                 # a pool of numbers, so that citizens call back and are called again
ANSWER = {"shown": 0.62, "unshown": 0.40}
DECLINE = {"shown": 0.10, "unshown": 0.20}   # of the calls not answered
CALLBACK = {"shown": 0.30, "unshown": 0.18}  # of the missed and declined calls


@dataclass
class HistoryReport:
    days: int = 0
    outgoing: int = 0
    incoming: int = 0
    holdout: int = 0


def _moment(rng: random.Random, day: date) -> datetime:
    """Mostly office hours, a few evening and night calls (duty lines)."""
    hour = rng.choices([rng.randint(9, 17), rng.randint(18, 21), rng.randint(0, 23)], weights=(85, 10, 5))[0]
    local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=KST)
    return local.astimezone(UTC)


def _log(rows: list[dict[str, Any]], key: str, at: datetime, kind: str, summary: str, **detail: Any) -> None:
    rows.append({"call_key": key, "at": at, "kind": kind, "summary": summary[:255], "detail": detail})


def _outgoing(rng: random.Random, call_id: str, line: Line, peer: str, at: datetime, held: bool,
              settings: dict, logs: list[dict[str, Any]]) -> dict[str, Any]:
    carrier = "holdout" if held else rng.choices(
        ("accepted", "unsupported_device", "not_subscriber", "failed"), weights=(65, 30, 4, 1))[0]
    shown = "shown" if carrier == "accepted" else "unshown"
    answered = rng.random() < ANSWER[shown]
    declined = not answered and rng.random() < DECLINE[shown]
    talk = int(rng.lognormvariate(4.3, 0.8)) if answered else 0     # median about 74 s
    ring = rng.randint(4, 12) if answered or declined else 30
    line_text = format_korean(line.number)
    row: dict[str, Any] = {
        "call_id": call_id, "line_id": line.id, "department_id": line.department_id, "line_number": line.number,
        "peer_hash": phone_hash(peer, settings["PHONE_HASH_KEY"]), "peer_encrypted": None, "peer_masked": mask(peer),
        "lettering_status": carrier, "holdout": held, "dialed_at": at, "created_at": at, "updated_at": at,
        "outcome": "answered" if answered else "ended" if declined else "missed",
        "answered_at": at + timedelta(seconds=ring) if answered else None,
        "ended_at": at + timedelta(seconds=ring + talk), "duration_s": talk,
        "carrier_latency_ms": None if held else int(rng.lognormvariate(5.0, 0.45)),  # median about 150 ms
        "carrier_request_id": "" if held else f"req-{call_id}", "receipt_status": None,
    }
    _log(logs, call_id, at, "event", SUMMARIES["dial"] % {"line": line_text, "peer": row["peer_masked"]},
         type="dial", line=line_text, peer=row["peer_masked"])
    if held:
        _log(logs, call_id, at, "carrier", NOT_LETTERED["holdout"], status="holdout")
    else:
        label = CARRIER_LABELS[carrier] % {"error": "통신사 응답 시간 초과(2초)"}
        _log(logs, call_id, at + timedelta(milliseconds=row["carrier_latency_ms"]), "carrier", label,
             status=carrier, request_id=row["carrier_request_id"], attempts=1)
    if carrier == "accepted":
        row["receipt_status"] = "after_call_displayed" if answered else "displayed"
        _log(logs, call_id, at + timedelta(seconds=2), "receipt", RECEIPT_LABELS[row["receipt_status"]],
             status=row["receipt_status"])
    kind = "answered" if answered else "missed" if not declined else None
    if kind:
        _log(logs, call_id, at + timedelta(seconds=ring), "event", SUMMARIES[kind], type=kind)
    _log(logs, call_id, row["ended_at"], "event", ENDED_AFTER % {"seconds": talk}, type="ended", seconds=talk)
    _fallback(rng, row, settings, logs)
    return row


def _fallback(rng: random.Random, row: dict[str, Any], settings: dict, logs: list[dict[str, Any]]) -> None:
    """The missed-only fallback as ``core.lettering.policy`` decides it, already carried out."""
    status, ended, key = row["lettering_status"], row["ended_at"], row["call_id"]
    reason = ("lettered" if status == "accepted" else "holdout" if status == "holdout"
              else "answered" if row["outcome"] == "answered" else None)
    if reason:
        row.update(fallback_decision="skip", fallback_reason=reason)
        _log(logs, key, ended, "fallback", f"{FALLBACK_LABELS['skip']}: {REASONS[reason]}", action="skip",
             reason=reason, send_at=None)
        return
    start, end = int(settings.get("QUIET_HOURS_START", 21)), int(settings.get("QUIET_HOURS_END", 8))
    sent_at = quiet_hours_end(ended, start, end) if in_quiet_hours(ended, start, end) else ended
    sent_at += timedelta(seconds=rng.randint(1, 20))
    result = rng.choices(("delivered", "failed", "not_kakao_user"), weights=(90, 3, 7))[0]
    row.update(fallback_decision="send", fallback_reason=status, alimtalk_status=result,
               alimtalk_sent_at=sent_at if result != "not_kakao_user" else None,
               alimtalk_result_code=-3001 if result == "not_kakao_user" else 0,
               alimtalk_latency_ms=int(rng.lognormvariate(5.5, 0.4)), alimtalk_request_id=f"kakao-{key}")
    _log(logs, key, ended, "fallback", f"{FALLBACK_LABELS['send']}: {REASONS[status]}", action="send",
         reason=status, send_at=None)
    if result == "not_kakao_user":
        _log(logs, key, sent_at, "alimtalk", ALIMTALK_LABELS["not_kakao_user"], status=result, code=-3001)
        return
    _log(logs, key, sent_at, "alimtalk", ALIMTALK_LABELS["sent"], status="sent", code=0,
         request_id=row["alimtalk_request_id"])
    report = "DELIVERED" if result == "delivered" else "FAILED"
    _log(logs, key, sent_at + timedelta(seconds=rng.randint(2, 90)), "receipt", KAKAO_LABELS[report], status=report)


def _incoming(call_id: str, line: Line, peer: str, at: datetime, settings: dict,
              logs: list[dict[str, Any]]) -> dict[str, Any]:
    line_text, masked = format_korean(line.number), mask(peer)
    _log(logs, call_id, at, "event", SUMMARIES["incoming"] % {"peer": masked, "line": line_text}, type="incoming",
         line=line_text, peer=masked)
    return {"call_id": call_id, "line_id": line.id, "department_id": line.department_id,
            "line_number": line.number, "peer_hash": phone_hash(peer, settings["PHONE_HASH_KEY"]),
            "peer_encrypted": None, "peer_masked": masked, "lettering_status": "incoming", "holdout": False,
            "created_at": at, "updated_at": at, "outcome": "answered", "answered_at": at,
            "ended_at": at + timedelta(seconds=90), "duration_s": 90}


def seed_history(session: Session, settings: dict, days: int, now: datetime | None = None,
                 outgoing_per_day: int = OUTGOING_PER_DAY, incoming_per_day: int = INCOMING_PER_DAY) -> HistoryReport:
    """Finished demo calls for the last ``days`` KST days up to ``now`` (today until now)."""
    now = now or utcnow()
    lines = list(session.scalars(select(Line).where(Line.active).order_by(Line.id)))
    report = HistoryReport()
    if not lines:
        return report
    percent = holdout_percent(settings) or DEMO_HOLDOUT_PERCENT
    key = holdout_key(str(settings["SECRET_KEY"]))
    today = now.astimezone(KST).date()
    citizens = random.Random(7)
    pool = [f"+8210{citizens.randrange(2000, 9999):04d}{citizens.randrange(0, 10000):04d}" for _ in range(CITIZENS)]
    done = {c[len(PREFIX):len(PREFIX) + 8] for c in session.scalars(
        select(Call.call_id).where(Call.call_id.like(f"{PREFIX}%")).distinct())}
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        stamp = day.strftime("%Y%m%d")
        if stamp in done:
            continue
        rng = random.Random(f"demo-history-{stamp}")
        weekend = day.weekday() >= 5
        rows: list[dict[str, Any]] = []
        logs: list[dict[str, Any]] = []
        for n in range(outgoing_per_day // (4 if weekend else 1)):
            at = _moment(rng, day)
            call_id = f"{PREFIX}{stamp}-o{n:05d}"
            line, peer = rng.choice(lines), rng.choice(pool)
            row = _outgoing(rng, call_id, line, peer, at, is_holdout(call_id, percent, key), settings, logs)
            if row["ended_at"] < now:
                rows.append(row)
                # A citizen who did not pick up may call the number back, more often when they knew who called.
                shown = "shown" if row["lettering_status"] == "accepted" else "unshown"
                if row["outcome"] != "answered" and rng.random() < CALLBACK[shown]:
                    back_at = row["ended_at"] + timedelta(minutes=rng.randint(5, 20 * 60))
                    if back_at < now:
                        rows.append(_incoming(f"{call_id}-cb", line, peer, back_at, settings, logs))
        for n in range(incoming_per_day // (4 if weekend else 1)):
            at = _moment(rng, day)
            if at < now:
                rows.append(_incoming(f"{PREFIX}{stamp}-i{n:05d}", rng.choice(lines), rng.choice(pool), at, settings,
                                      logs))
        _store(session, rows, logs)
        report.days += 1 if rows else 0   # a day too young for any call (today, at night) is not counted
        report.outgoing += sum(1 for r in rows if r["lettering_status"] != "incoming")
        report.incoming += sum(1 for r in rows if r["lettering_status"] == "incoming")
        report.holdout += sum(1 for r in rows if r["holdout"])
    return report


def _store(session: Session, rows: list[dict[str, Any]], logs: list[dict[str, Any]]) -> None:
    if not rows:
        return
    defaults = {"carrier_request_id": "", "lettering_error": "", "fallback_reason": "", "alimtalk_request_id": "",
                "outcome": None, "dialed_at": None, "answered_at": None, "ended_at": None, "duration_s": None,
                "fallback_decision": None, "alimtalk_status": None, "alimtalk_result_code": None,
                "alimtalk_sent_at": None, "receipt_status": None, "carrier_latency_ms": None,
                "alimtalk_latency_ms": None}
    session.execute(insert(Call), [{**defaults, **row} for row in rows])
    keys = [r["call_id"] for r in rows]
    ids = dict(session.execute(select(Call.call_id, Call.id).where(Call.call_id.in_(keys))).all())
    session.execute(insert(CallLog), [{"call_pk": ids[log.pop("call_key")], **log} for log in logs
                                      if log["call_key"] in ids])
