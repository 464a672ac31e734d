"""Smart Lettering benchmark: PBX event in → carrier request out, through the whole system on loopback.

Runs the web app in gunicorn, the worker (``python -m lettering_worker``) and the provider simulators as
separate processes on a temporary SQLite database, then:
1. latency: after a short warm-up that is not measured, signed single-event ``dial`` POSTs at a steady
   rate (default 50/s); for each, the time from
   the POST to the carrier simulator's receipt of the lettering request (both clocks are this machine's);
2. throughput: as fast as possible, in PBX batches from several senders;
3. baseline: the same carrier requests sent straight to the simulator by bare httpx loops, one per worker
   thread (processes x concurrency), so ``ratio`` is the share of the carrier's raw rate the project keeps.

Prints one JSON object: events, rate, p50_ms, p95_ms, p99_ms, throughput_eps, baseline_eps, ratio, lost,
duplicates (any repeat arrival at the carrier counts). Targets (2 cores, SQLite): p99 < 150 ms at 50/s,
>= 300 events/s, 0 lost, 0 duplicates, ratio >= 0.3.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.lettering.ingest import sign  # noqa: E402
from core.settings import load_settings  # noqa: E402

LINES = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def prepare(env: dict[str, str]) -> None:
    """Migrate the temporary database and add lines and a campaign (no demo data needed)."""
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", "db", "upgrade", "heads"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    script = (
        "from core.db import make_session_factory, session_scope\n"
        "from core.models.lettering import Campaign, Line\n"
        "from core.settings import load_settings\n"
        "f = make_session_factory(load_settings()['DATABASE_URL'])\n"
        "with session_scope(f) as s:\n"
        f"    s.add_all([Line(number=f'+8231807{{i:05d}}', extension=str(10000 + i), institution='고양특례시',"
        f" department_name='교통정책과', message='버스 노선 개편 안내 전화입니다') for i in range({LINES})])\n"
        "    s.add(Campaign(token='Bench1', title='2026 고양 버스 노선 개편', image_urls=['/static/card1.png']))\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


def dial(call_id: str, i: int) -> dict:
    return {"event_id": f"{call_id}-dial", "call_id": call_id, "type": "dial", "line": str(10000 + i % LINES),
            "peer": f"010-{4000 + i // 10000:04d}-{i % 10000:04d}", "at": datetime.now(UTC).isoformat()}


class Sender:
    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret
        self.client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=32))

    def post(self, events: list[dict]) -> None:
        body = json.dumps({"events": events} if len(events) > 1 else events[0], ensure_ascii=False).encode()
        while True:
            response = self.client.post(self.url, content=body, headers=sign(self.secret, body))
            if response.status_code != 429:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        if response.status_code != 202:
            raise RuntimeError(f"ingest answered {response.status_code}: {response.text[:200]}")


def latency_phase(sender: Sender, count: int, rate: float, prefix: str = "lat") -> dict[str, float]:
    sent: dict[str, float] = {}
    start = time.monotonic()
    pool = ThreadPoolExecutor(8)
    futures = []
    for i in range(count):
        call_id = f"{prefix}-{i:06d}"
        target = start + i / rate
        if (pause := target - time.monotonic()) > 0:
            time.sleep(pause)
        event = dial(call_id, i)
        sent[call_id] = time.time()
        futures.append(pool.submit(sender.post, [event]))
    for future in futures:
        future.result()  # an ingest error ends the run
    pool.shutdown()
    return sent


def throughput_phase(sender: Sender, count: int, batch: int, senders: int) -> tuple[float, list[str]]:
    ids = [f"thr-{i:06d}" for i in range(count)]
    batches = [ids[i:i + batch] for i in range(0, count, batch)]
    started = time.time()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(lambda chunk: sender.post([dial(cid, 100000 + int(cid[4:])) for cid in chunk]), batches))
    return started, ids


def carrier_log(carrier: str) -> list[dict]:
    return httpx.get(f"{carrier}/_sim/requests", timeout=60).json()["requests"]


def wait_for(carrier: str, expected_keys: int, seconds: float) -> list[dict]:
    """Wait (watching the cheap counters) until the carrier has seen ``expected_keys`` distinct keys."""
    deadline = time.monotonic() + seconds
    while httpx.get(f"{carrier}/_sim/stats", timeout=30).json()["keys"] < expected_keys:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return carrier_log(carrier)


def baseline(carrier: str, api_key: str, bodies: list[dict], threads: int) -> float:
    """Bare httpx loops, one per worker thread, sending the same requests straight to the simulator."""
    chunks = [bodies[i::threads] for i in range(threads)]

    def loop(chunk: list[dict]) -> None:
        with httpx.Client(timeout=10) as client:
            for body in chunk:
                content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
                client.post(f"{carrier}/v1/lettering", content=content,
                            headers={"Authorization": f"Bearer {api_key}", "Idempotency-Key": body["callId"],
                                     "Content-Type": "application/json"}).raise_for_status()

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(loop, chunks))
    return len(bodies) / (time.monotonic() - started)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup-events", type=int, default=200, help="sent first and not measured")
    parser.add_argument("--latency-events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--throughput-events", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16, help="threads per worker process")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (they share the queue safely)")
    parser.add_argument("--carrier-latency-ms", type=float, default=5.0, help="the simulated carrier's latency")
    parser.add_argument("--reports", action="store_true",
                        help="let the simulators send delivery receipts back (off the measured path; off by default)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-lettering-"))
    web_port, carrier_port, kakao_port = free_port(), free_port(), free_port()
    web = f"http://127.0.0.1:{web_port}"
    env = {**os.environ, "INSTANCE_PATH": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
           "PUBLIC_BASE_URL": web, "CARRIER_BASE_URL": f"http://127.0.0.1:{carrier_port}",
           "KAKAO_BASE_URL": f"http://127.0.0.1:{kakao_port}", "LETTERING_MAX_BACKLOG": "1000000",
           "PYTHONUNBUFFERED": "1"}
    prepare(env)
    os.environ["INSTANCE_PATH"] = str(tmp)
    settings = load_settings(tmp)
    carrier = f"http://127.0.0.1:{carrier_port}"
    bindir = Path(sys.executable).parent
    procs = [
        subprocess.Popen([sys.executable, "-m", "lettering_worker.simulators", "--carrier-port", str(carrier_port),
                          "--kakao-port", str(kakao_port), "--saeol-port", "0", "--push-port", "0",
                          "--latency-ms", str(args.carrier_latency_ms),
                          "--report-to", web if args.reports else ""], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([str(bindir / "gunicorn"), "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "--threads",
                          "8", "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]
    procs += [subprocess.Popen([sys.executable, "-m", "lettering_worker", "--concurrency", str(args.concurrency),
                                "--log-level", "WARNING"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) for _ in range(args.workers)]
    try:
        wait_http(f"{carrier}/_sim/config")
        wait_http(f"{web}/login")
        sender = Sender(f"{web}/api/pbx/events", settings["PBX_WEBHOOK_SECRET"])
        # Warm-up, not measured: gunicorn's workers, the app's first requests, connection pools.
        warm = latency_phase(sender, args.warmup_events, args.rate, prefix="warm")
        wait_for(carrier, len(warm), 60)
        sent = latency_phase(sender, args.latency_events, args.rate)
        log = wait_for(carrier, len(warm) + len(sent), 60)
        arrival = {r["key"]: r["at"] for r in log if r["kind"] == "lettering" and not r.get("replay")}
        latencies = [(arrival[k] - t) * 1000 for k, t in sent.items() if k in arrival]

        started, ids = throughput_phase(sender, args.throughput_events, args.batch, args.senders)
        log = wait_for(carrier, len(warm) + len(sent) + len(ids), 120)
        lettering = [r for r in log if r["kind"] == "lettering"]
        thr_arrivals = [r["at"] for r in lettering if r["key"].startswith("thr-")]
        throughput = len(set(r["key"] for r in lettering if r["key"].startswith("thr-"))) / (
            max(thr_arrivals) - started)
        all_ids = set(warm) | set(sent) | set(ids)
        keys = Counter(r["key"] for r in lettering)
        lost = len(all_ids - set(keys))
        duplicates = sum(n - 1 for n in keys.values())

        bodies = [{**r["body"], "callId": "base-" + r["key"]} for r in lettering[:4000]]
        base = baseline(carrier, settings["CARRIER_API_KEY"], bodies, args.concurrency * args.workers)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    result = {"events": len(all_ids), "rate": args.rate,
              "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 95), 1),
              "p99_ms": round(percentile(latencies, 99), 1), "throughput_eps": round(throughput, 1),
              "baseline_eps": round(base, 1), "ratio": round(throughput / base, 3), "lost": lost,
              "duplicates": duplicates}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
