"""The fallback is decided exactly once per call, although a call's ``missed`` and ``ended`` jobs each ask for
the decision and may run at the same moment on two worker threads (or two workers)."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from core.lettering import dispatch
from core.lettering.jobs import lettering_context
from core.models.calls import Call, CallLog
from core.models.jobs import Job
from core.phone import normalize
from extensions import db
from lettering_worker.simulators import device_status, uses_kakao
from tests.lettering.conftest import event

CALLS = 200


def iphone_numbers(count: int) -> list[str]:
    """Distinct numbers the simulators treat as iPhones of Kakao users (so every "send" is sent)."""
    found: list[str] = []
    i = 0
    while len(found) < count:
        raw = f"010-{3000 + i // 10000:04d}-{i % 10000:04d}"
        if device_status(normalize(raw)) == "unsupported_device" and uses_kakao(raw.replace("-", "")):
            found.append(raw)
        i += 1
    return found


def test_missed_and_ended_run_at_once_and_decide_once(app, settings, sim, line, template, post_events, drain):
    peers = iphone_numbers(CALLS)
    ids = [f"race-{i:03d}" for i in range(CALLS)]
    pairs = list(zip(ids, peers, strict=True))
    for start in range(0, CALLS, 100):
        assert post_events([event(c, "dial", peer=p) for c, p in pairs[start:start + 100]]).status_code == 202
    drain()  # lettered: every one an iPhone, so a missed call falls back to AlimTalk
    for start in range(0, CALLS, 100):
        batch = pairs[start:start + 100]
        assert post_events([e for c, p in batch for e in (event(c, "missed", peer=p),
                                                          event(c, "ended", peer=p, duration_s=0))]
                           ).status_code == 202
    # The test runs the two fallback jobs of each call itself, at once; the worker does the rest afterwards.
    db.session.execute(delete(Job).where(Job.kind == "lettering.fallback"))
    db.session.commit()

    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    ctx = lettering_context(settings)
    errors: list[Exception] = []

    def decide(call_id: str, kind: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            dispatch.handle_fallback(factory, ctx, {"call_id": call_id, "event_id": f"{call_id}-{kind}"})
        except Exception as exc:  # noqa: BLE001 - a thread's error is asserted on below
            errors.append(exc)

    for call_id in ids:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=decide, args=(call_id, kind, barrier)) for kind in ("missed", "ended")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == []

    decisions = Counter(dict(db.session.execute(
        select(Call.call_id, func.count(CallLog.id)).join(CallLog, CallLog.call_pk == Call.id)
        .where(CallLog.kind == "fallback").group_by(Call.call_id)).all()))
    twice = sorted(c for c, n in decisions.items() if n > 1)
    assert twice == [], f"{len(twice)} of {CALLS} calls had two decisions"
    assert set(decisions) == set(ids)
    alimtalk_jobs = Counter(p["call_id"] for p in db.session.scalars(
        select(Job.payload).where(Job.kind == "lettering.alimtalk")))
    assert [c for c, n in alimtalk_jobs.items() if n > 1] == []
    db.session.rollback()

    drain()
    sent = set(db.session.scalars(select(Call.call_id).where(Call.fallback_decision == "send")))
    assert len(sent) == CALLS
    reached = Counter(r["key"].split(":")[0] for r in sim.requests("kakao"))
    assert set(reached) == sent, f"{len(sent - set(reached))} sends never reached Kakao"
    assert max(reached.values()) == 1
    assert set(db.session.scalars(select(Call.alimtalk_status))) == {"sent"}
