"""The worker as the real process ``python -m lettering_worker``: SIGTERM drains, ``kill -9`` loses nothing
and sends nothing twice, two workers on PostgreSQL never share a job, and no log line holds a number."""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.lettering import ingest
from core.lettering.optout import opt_out
from core.models.calls import Call
from core.models.jobs import Job
from core.phone import normalize
from core.privacy import phone_hash
from core.timeutil import KST
from extensions import db
from tests.lettering.conftest import event, iphone_number, supported_number

ROOT = Path(__file__).resolve().parents[2]


def worker_env(app, sim_carrier: str, sim_kakao: str) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": app.config["DATABASE_URL"],
            "INSTANCE_PATH": app.config["INSTANCE_PATH"], "CARRIER_BASE_URL": sim_carrier,
            "KAKAO_BASE_URL": sim_kakao, "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"]}


def start_worker(app, sim, *args: str, log_path: Path | None = None) -> subprocess.Popen:
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "lettering_worker", *args], cwd=ROOT,
                            env=worker_env(app, sim.carrier_url, sim.kakao_url), stdout=out, stderr=subprocess.STDOUT)


def count(query) -> int:
    db.session.rollback()
    return int(db.session.scalar(query) or 0)


def pending_calls() -> int:
    return count(select(func.count()).select_from(Call).where(Call.lettering_status == "pending"))


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def post_dials(post_events, n: int, prefix: str = "c") -> list[str]:
    ids = [f"{prefix}-{i:05d}" for i in range(n)]
    for start in range(0, n, 500):
        batch = [event(cid, "dial", peer=f"010-{3000 + i // 10000:04d}-{i % 10000:04d}")
                 for i, cid in enumerate(ids[start:start + 500], start=start)]
        assert post_events(batch).status_code == 202
    return ids


def assert_each_call_reached_the_carrier_once(sim, ids: list[str]) -> None:
    """Counted by Idempotency-Key and body: one original request per call, any repeat is a byte-identical
    retry of it that the carrier answered from its idempotency store."""
    by_key: dict[str, list[dict]] = defaultdict(list)
    for request in sim.requests("carrier", "lettering"):
        by_key[request["key"]].append(request)
    assert set(by_key) == set(ids)
    for key, requests in by_key.items():
        assert len({r["body_sha"] for r in requests}) == 1, key
        assert [r["replay"] for r in requests].count(False) == 1, key
        assert all(r["answer"] != "409" for r in requests), key


def test_sigterm_finishes_the_work_in_flight_and_releases_leases(app, sim, post_events, line, tmp_path):
    sim.configure(latency_ms=300)
    ids = post_dials(post_events, 100)
    proc = start_worker(app, sim, "--concurrency", "4", log_path=tmp_path / "worker.log")
    wait_until(lambda: len(sim.requests("carrier")) >= 2, 30, "the first requests")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    log = (tmp_path / "worker.log").read_text()
    assert "finishing the jobs in flight" in log
    assert count(select(func.count()).select_from(Job).where(Job.status == "running")) == 0
    arrived = {r["key"] for r in sim.requests("carrier")}
    db.session.rollback()
    recorded = dict(db.session.execute(select(Call.call_id, Call.lettering_status)).all())
    assert all(recorded[key] != "pending" for key in arrived)  # what was in flight was finished and recorded
    assert pending_calls() > 0  # ... and the rest was left for the next worker

    sim.configure(latency_ms=0)
    again = start_worker(app, sim, "--once", "--concurrency", "8")
    assert again.wait(60) == 0
    assert pending_calls() == 0
    assert_each_call_reached_the_carrier_once(sim, ids)


@pytest.mark.slow
def test_kill_9_in_the_middle_of_2000_events_loses_nothing_and_sends_nothing_twice(app, sim, post_events, line):
    sim.configure(latency_ms=5)
    ids = post_dials(post_events, 2000)
    first = start_worker(app, sim, "--concurrency", "16", "--lease-seconds", "3")
    wait_until(lambda: len(sim.requests("carrier")) >= 600, 60, "a third of the calls")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert pending_calls() > 0, "the worker finished before it was killed; the test proves nothing"
    second = start_worker(app, sim, "--concurrency", "16", "--lease-seconds", "3")
    try:
        wait_until(lambda: pending_calls() == 0, 90, "every call to be lettered")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert_each_call_reached_the_carrier_once(sim, ids)
    db.session.rollback()
    statuses = dict(db.session.execute(select(Call.lettering_status, func.count()).group_by(
        Call.lettering_status)).all())
    assert sum(statuses.values()) == 2000
    assert "failed" not in statuses and "pending" not in statuses
    assert count(select(func.count()).select_from(Job).where(Job.status != "done")) == 0


@pytest.mark.postgres_only
def test_two_workers_on_postgresql_never_dispatch_a_job_twice(app, sim, post_events, line):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (SKIP LOCKED with two processes)")
    sim.configure(latency_ms=5)
    ids = post_dials(post_events, 1000)
    workers = [start_worker(app, sim, "--concurrency", "8") for _ in range(2)]
    try:
        wait_until(lambda: pending_calls() == 0, 90, "every call to be lettered")
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            assert proc.wait(30) == 0
    requests = sim.requests("carrier", "lettering")
    assert len(requests) == 1000  # not even a harmless repeat: no job ran twice
    assert_each_call_reached_the_carrier_once(sim, ids)
    db.session.rollback()
    holders = db.session.scalars(select(Job.locked_by).where(Job.kind == "lettering.dial").distinct()).all()
    assert len(holders) == 2  # both workers took part


def _number_forms(raw: str) -> list[str]:
    e164 = normalize(raw)
    domestic = "0" + e164[3:]
    return [domestic, f"{domestic[:3]}-{domestic[3:7]}-{domestic[7:]}", e164, e164[1:], domestic[1:]]


def test_no_log_line_ever_holds_a_whole_number(app, post_events, client, line, template, caplog, tmp_path, clock):
    """Calls of every kind through ingest, worker and simulators (both as processes), with DEBUG logging;
    then every captured line is searched for each number in every form. At 10:00 KST, so that the AlimTalk
    fallback is sent rather than held for the quiet hours."""
    clock.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=KST))
    caplog.set_level(logging.DEBUG)
    env = worker_env(app, "", "")
    sims = subprocess.Popen([sys.executable, "-m", "lettering_worker.simulators", "--carrier-port", "0",
                             "--kakao-port", "0", "--saeol-port", "0", "--push-port", "0", "--latency-ms", "0",
                             "--report-to", "", "--rate-5xx", "0.3"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        early = []
        while not (match := re.match(r"READY (\d+) (\d+)", line_ := sims.stdout.readline())):
            assert line_, "".join(early)
            early.append(line_)
        carrier, kakao = (f"http://127.0.0.1:{port}" for port in match.groups())
        numbers = [supported_number(), iphone_number(), iphone_number(kakao=False), iphone_number(start=900)]
        opt_out(db.session, phone_hash(normalize(numbers[3]), app.config["PHONE_HASH_KEY"]))
        db.session.commit()
        events = []
        for i, number in enumerate(numbers):
            events += [event(f"p-{i}", "dial", peer=number), event(f"p-{i}", "missed", peer=number)]
        assert post_events(events).status_code == 202
        assert post_events([{**event("bad", "dial", peer=numbers[0]), "at": "never"}]).status_code == 400
        body = json.dumps({"events": [event("sig", "dial", peer=numbers[0])]}).encode()
        headers = ingest.sign("wrong", body)
        assert client.post("/api/pbx/events", data=body, headers=headers).status_code == 401
        worker = subprocess.Popen([sys.executable, "-m", "lettering_worker", "--log-level", "DEBUG",
                                   "--concurrency", "4"], cwd=ROOT, env=worker_env(app, carrier, kakao),
                                  stdout=open(tmp_path / "worker.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        try:
            wait_until(lambda: count(select(func.count()).select_from(Job).where(
                Job.status.in_(("queued", "running")), Job.kind != "lettering.state")) == 0, 60, "the calls")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
    finally:
        sims.send_signal(signal.SIGTERM)
        sim_output = sims.communicate(timeout=30)[0]
    db.session.rollback()
    statuses = dict(db.session.execute(select(Call.call_id, Call.alimtalk_status)).all())
    assert statuses["p-1"] in ("sent", "error")  # the calls really went through the providers
    logs = "\n".join([caplog.text, (tmp_path / "worker.log").read_text(), *early, sim_output])
    assert "worker" in logs and "lettering" in logs  # something was logged at all
    for number in numbers:
        for form in _number_forms(number):
            assert form not in logs, "a whole citizen number appears in the logs"
