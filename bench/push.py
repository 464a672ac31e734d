"""Web push benchmark: one announcement to 4,000 subscriptions through the real job runtime and worker.

Three push-service simulators (``lettering_worker.simulators.push_service``, separate processes on three
ports, so three origins and three VAPID audiences) answer after 20 ms, verify every VAPID header and decrypt
every 20th message. On a temporary SQLite database the benchmark makes 4,000 accounts with one subscription
each, then:
1. baseline: a plain loop of ``pywebpush.webpush()`` one subscription after another against the same
   simulators (signing and encrypting every time, as pywebpush does), over ``--baseline`` pushes;
2. the run: ``core.push.send`` to all staff, committed, with a ``lettering_worker.worker.Worker`` running
   (as in production: fan-out job, then delivery batches of 200 sent concurrently); timed from the commit
   until every delivery is recorded.

Prints one JSON object: subscriptions, seconds, pushes_per_s, baseline_per_s, ratio, failed (deliveries not
sent, plus any message a simulator refused or could not decrypt). Targets (2 cores): seconds ≤ 8,
ratio ≥ 10, failed = 0.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LATENCY_MS = 20
DECRYPT_EVERY = 20


def start_simulators(ports: list[int], env: dict[str, str]) -> tuple[list[subprocess.Popen], list[str]]:
    procs, bases = [], []
    for port in ports:
        proc = subprocess.Popen([sys.executable, "-m", "lettering_worker.simulators.push_service", "--port",
                                 str(port), "--latency-ms", str(LATENCY_MS), "--decrypt-every", str(DECRYPT_EVERY)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        procs.append(proc)
    for proc in procs:
        line = proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"simulator did not start: {line!r}")
        bases.append(f"http://127.0.0.1:{line.split()[1]}")
    return procs, bases


def free_ports(n: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def populate(session, subs: list[dict]) -> None:
    """One account per subscription (a shared password hash: argon2 for 4,000 would only time argon2)."""
    from sqlalchemy import insert, select

    from core.models.accounts import User
    from core.models.organization import Department
    from core.models.push import PushSubscription
    from core.push.vapid import origin_of

    departments = [Department(organization="고양특례시", name=f"벤치{i}과") for i in range(20)]
    session.add_all(departments)
    session.flush()
    session.execute(insert(User), [{"username": f"bench{i:05d}", "password_hash": "x", "role": "staff",
                                    "display_name": f"직원{i}", "department_id": departments[i % 20].id,
                                    "is_active": True, "failed_logins": 0, "locale": "ko"}
                                   for i in range(len(subs))])
    ids = list(session.scalars(select(User.id).order_by(User.id)))
    session.execute(insert(PushSubscription), [
        {"user_id": uid, "endpoint": sub["endpoint"], "origin": origin_of(sub["endpoint"]),
         "p256dh": sub["keys"]["p256dh"], "auth": sub["keys"]["auth"], "user_agent": "bench", "failures": 0}
        for uid, sub in zip(ids, subs, strict=True)])
    session.commit()


def baseline(subs: list[dict], private_key: str, subject: str, count: int) -> float:
    import pywebpush

    body = json.dumps({"title": "기준 측정", "body": "pywebpush 한 건씩", "url": "/"}, ensure_ascii=False)
    started = time.perf_counter()
    for sub in subs[:count]:
        response = pywebpush.webpush(sub, body, vapid_private_key=private_key, vapid_claims={"sub": subject},
                                     ttl=60, timeout=10)
        if response.status_code != 201:
            raise RuntimeError(f"baseline push answered {response.status_code}")
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--subscriptions", type=int, default=4000)
    p.add_argument("--baseline", type=int, default=300)
    p.add_argument("--concurrency", type=int, default=4, help="worker pool threads (delivery jobs at once)")
    p.add_argument("--push-concurrency", type=int, default=24, help="requests in flight per worker")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-push-"))
    ports = free_ports(3)
    env = {**os.environ, "INSTANCE_PATH": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
           "APP_ENV": "development", "PUSH_EXTRA_HOSTS": ",".join(f"127.0.0.1:{p}" for p in ports),
           "WORKER_CONCURRENCY": str(args.concurrency), "PYTHONPATH": str(ROOT)}
    os.environ.update({k: env[k] for k in ("INSTANCE_PATH", "DATABASE_URL", "APP_ENV", "PUSH_EXTRA_HOSTS",
                                           "WORKER_CONCURRENCY")})
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", "db", "upgrade", "heads"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    procs, bases = start_simulators(ports, env)
    try:
        from core.audience import Audience
        from core.db import make_session_factory
        from core.models.push import PushMessage
        from core.push import send
        from core.push.jobs import push_sender
        from core.push.vapid import Vapid, b64url
        from core.settings import load_settings
        from lettering_worker.worker import Worker

        settings = load_settings(overrides={"PUSH_CONCURRENCY": args.push_concurrency})
        signer = Vapid.from_settings(settings)
        per = -(-args.subscriptions // len(bases))
        subs: list[dict] = []
        for base in bases:
            wanted = {"count": min(per, args.subscriptions - len(subs)), "applicationServerKey": signer.public_key}
            subs += httpx.post(f"{base}/_sim/subscriptions", json=wanted, timeout=120).json()["subscriptions"]
        factory = make_session_factory(settings["DATABASE_URL"])
        with factory() as session:
            populate(session, subs)

        raw = b64url(signer.key.private_numbers().private_value.to_bytes(32, "big"))
        # Round-robin over the three services, as the run spreads over them.
        mixed = [subs[i * per + j] for j in range(per) for i in range(len(bases)) if i * per + j < len(subs)]
        base_rate = baseline(mixed, raw, settings["VAPID_SUBJECT"], args.baseline)
        for base in bases:
            httpx.post(f"{base}/_sim/reset")

        worker = Worker(settings, concurrency=args.concurrency)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        time.sleep(0.5)   # the worker's first claim and schedule pass, not the push, are outside the timing
        with factory() as session:
            message = send(session, audience=Audience.everyone(), title="[공지] 시청 본관 정전 안내",
                           body="12월 3일 18시부터 30분간 본관 전체가 정전됩니다. 저장하지 않은 문서를 저장해 주세요.",
                           url="/board/1", urgency="high", topic="bench-1", source="console")
            session.commit()
            message_id = message.id
        started, fanned = time.perf_counter(), None
        while True:
            with factory() as session:
                m = session.get(PushMessage, message_id)
                if fanned is None and m.fanned_out_at is not None:
                    fanned = time.perf_counter() - started
                done = m.fanned_out_at is not None and m.sent + m.failed + m.removed >= m.targeted
            if done:
                break
            if time.perf_counter() - started > 300:
                raise RuntimeError("the fan-out did not finish in 5 minutes")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        worker.stop()
        thread.join(30)

        stats = [httpx.get(f"{base}/_sim/stats").json() for base in bases]
        samples = [r for base in bases for r in httpx.get(f"{base}/_sim/received").json()["received"] if r["payload"]]
        wrong = sum(1 for r in samples if r["payload"].get("title") != "[공지] 시청 본관 정전 안내")
        refused = sum(s.get("refused", 0) for s in stats)
        failed = (m.targeted - m.sent) + refused + wrong
        result = {"subscriptions": m.targeted, "seconds": round(seconds, 2), "fanout_s": round(fanned, 2),
                  "pushes_per_s": round(m.sent / seconds, 1), "baseline_per_s": round(base_rate, 1),
                  "ratio": round(m.sent / seconds / base_rate, 1), "failed": failed,
                  "verified": sum(s.get("verified", 0) for s in stats), "decrypted": len(samples),
                  "vapid_signatures": worker.env.shared(push_sender).vapid.signed}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
