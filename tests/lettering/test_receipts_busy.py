"""Provider receipts under a busy database: a burst against a live server on SQLite while another connection
holds the write lock. Each receipt is stored or refused with 503 + Retry-After (never a 500), so a provider
that sends it again, as PROTOCOLS.md's providers do, loses none."""
from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.models.calls import Call, CallLog
from extensions import db

CALLS = 40


@pytest.fixture
def sqlite_path(app) -> str:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("the write lock is SQLite's")
    return url.database


@pytest.fixture
def calls(app) -> list[str]:
    ids = [f"b-{i:02d}" for i in range(CALLS)]
    db.session.add_all(Call(call_id=c, peer_hash=f"{i:064d}", peer_masked="010-****-0000", lettering_status="accepted",
                            alimtalk_status="sent", alimtalk_request_id=f"req-{c}") for i, c in enumerate(ids))
    db.session.commit()
    return ids


def provider(app, base: str, call_id: str, index: int, statuses: list[int], retry_afters: list[str]) -> None:
    """One receipt (carrier for even calls, Kakao for odd ones), sent again while the answer says so."""
    if index % 2 == 0:
        path, secret, header = "/api/providers/carrier/receipts", app.config["CARRIER_RECEIPT_SECRET"], \
            "X-Carrier-Signature"
        body = {"callId": call_id, "requestId": "r1", "status": "displayed", "at": "2026-03-02T10:00:00+09:00"}
    else:
        path, secret, header = "/api/providers/kakao/reports", app.config["KAKAO_REPORT_SECRET"], \
            "X-Provider-Signature"
        body = {"requestId": f"req-{call_id}", "recipientSeq": 1, "recipientGroupingKey": call_id,
                "status": "DELIVERED", "resultCode": 0, "reportedAt": "2026-03-02T10:00:00+09:00"}
    raw = json.dumps(body).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    with httpx.Client(timeout=30) as client:
        for _ in range(20):
            answer = client.post(base + path, content=raw, headers={"Content-Type": "application/json",
                                                                    header: signature})
            statuses.append(answer.status_code)
            if answer.status_code not in (429, 503):
                return
            retry_afters.append(answer.headers.get("Retry-After", ""))
            time.sleep(min(float(answer.headers.get("Retry-After") or 1), 5))


def burst(app, live_server, sqlite_path: str | None, ids: list[str], hold_s: float) -> tuple[Counter, list[str], float]:
    """``sqlite_path``: hold SQLite's one write lock; None: hold every call's row lock on PostgreSQL."""
    if sqlite_path:
        holder = sqlite3.connect(sqlite_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process's writer, holding SQLite's one write lock
    else:
        holder = db.engine.raw_connection()
        holder.cursor().execute("SELECT id FROM calls FOR UPDATE")  # a long transaction on every call's row
    statuses: list[int] = []
    retry_afters: list[str] = []
    threads = [threading.Thread(target=provider, args=(app, live_server.url, c, i, statuses, retry_afters))
               for i, c in enumerate(ids)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(hold_s)
    if sqlite_path:
        holder.execute("COMMIT")
    else:
        holder.commit()
    holder.close()
    for thread in threads:
        thread.join(120)
    return Counter(statuses), retry_afters, time.monotonic() - started


def assert_every_receipt_stored_once(ids: list[str]) -> None:
    db.session.rollback()
    rows = {c.call_id: c for c in db.session.scalars(select(Call))}
    assert [c for c in ids[0::2] if rows[c].receipt_status != "displayed"] == []
    assert [c for c in ids[1::2] if rows[c].alimtalk_status != "delivered"] == []
    per_call = Counter(db.session.scalars(select(Call.call_id).join(CallLog, CallLog.call_pk == Call.id)
                                          .where(CallLog.kind == "receipt")))
    assert per_call == Counter(ids)
    assert db.session.scalar(select(func.count(CallLog.id))) == len(ids)


def test_a_short_lock_is_waited_out(app, live_server, sqlite_path, calls):
    statuses, _, _ = burst(app, live_server, sqlite_path, calls, hold_s=0.5)
    assert statuses == Counter({204: CALLS})
    assert_every_receipt_stored_once(calls)


def test_a_lock_held_past_any_wait_is_a_503_and_the_provider_retries(app, live_server, sqlite_path, calls):
    """Held longer than the connections' own 10 s busy timeout: before, every receipt of the burst was a 500."""
    statuses, retry_afters, _ = burst(app, live_server, sqlite_path, calls, hold_s=11.5)
    assert statuses[500] == 0, statuses
    assert statuses[503] >= CALLS  # each was refused at least once while the lock was held
    assert set(retry_afters) == {"2"}
    assert statuses[204] == CALLS
    assert_every_receipt_stored_once(calls)


@pytest.mark.postgres_only
def test_row_locks_held_too_long_on_postgresql_are_a_503_too(app, live_server, calls):
    """Before, a receipt waited for a row lock without limit, past the provider's 3 s. (Requests beyond the web
    process's pool of connections wait for a connection first, so not every one meets the lock.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks of PostgreSQL")
    statuses, retry_afters, _ = burst(app, live_server, None, calls, hold_s=4.0)
    assert statuses[500] == 0 and statuses[503] >= 1 and statuses[204] == CALLS, statuses
    assert set(retry_afters) == {"2"}
    assert_every_receipt_stored_once(calls)
