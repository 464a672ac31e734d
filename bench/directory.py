"""Directory benchmark: import 5,000 staff and 300 contacts, then time 1,000 mixed queries.

Everything runs through the real app on a fresh SQLite database: the CSV goes through the
importer, then a gunicorn worker serves the app on loopback (as ``make run`` does) and each
query is an HTTP request, signed in with a session cookie, to ``/api/directory/search`` or
``/api/voice-dial``. ``baseline_qps`` is ``/healthz`` on the same server in the same run, so
``ratio`` says how close search gets to a trivial route. ``--in-process`` uses Flask's test
client instead (no HTTP; the sign-in check then weighs more against /healthz).

Prints one JSON object; exits non-zero when a target is missed.
Targets (2 cores, SQLite): search p95 < 20 ms, voice p95 < 50 ms, ratio >= 0.5.

``--entries 5000,20000,50000`` is the scale mode (``bench/support/directory_scale.py``, not part of ``make
bench``): for each size a fresh database, gunicorn with gunicorn.conf.py and the job worker; the CSV goes through
the console's import (the worker imports, then publishes the index), and it prints ``first_search_after_import_ms``,
the longest search while the new index is loaded and when a one-person edit is swapped in,
``rss_mb_per_process`` (the largest gunicorn worker, after searching and after the swap), the job worker's RSS
and ``search_p95_ms``; it exits non-zero when any size misses a target (docs/directory.md, "Scale").
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from bench.support import directory_scale  # noqa: E402
from core import hangul  # noqa: E402
from core.accounts import create_user  # noqa: E402
from core.demo.organization import directory_rows  # noqa: E402
from core.directory.importer import import_file, rows_to_csv  # noqa: E402
from extensions import db  # noqa: E402

QUERIES = 1000
VOICE_SHARE = 0.15
ROUND = 50
PASSWORD = secrets.token_urlsafe(16) + "-1"
TARGETS = {"search_p95_ms": 20.0, "voice_p95_ms": 50.0, "ratio": 0.5}


def misheard(name: str) -> str:
    """The name with its last syllable's final consonant swapped the way recognisers do (준→중, 민→밍)."""
    code = ord(name[-1]) - 0xAC00
    final = code % 28
    swapped = {0: 4, 4: 21, 21: 4, 8: 4, 16: 4}.get(final, 0)
    return name[:-1] + chr(0xAC00 + code - final + swapped)


def make_queries(rows: list[dict[str, str]], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) pairs: names, given names, initials, departments, duties, digits and voice phrases."""
    staff = [r for r in rows if r["구분"] == "직원"]
    departments = sorted({r["부서"] for r in rows})
    duties = sorted({r["담당업무"] for r in staff})

    def person() -> dict[str, str]:
        return rng.choice(staff)

    makers = [
        lambda: person()["성명"],
        lambda: person()["성명"][:2],
        lambda: hangul.given_name(person()["성명"]),
        lambda: hangul.initials(person()["성명"]),
        lambda: person()["성명"][0] + hangul.initials(person()["성명"][1:]),
        lambda: rng.choice(departments),
        lambda: hangul.strip_department_suffix(rng.choice(departments)),
        lambda: " ".join(rng.choice(departments)),  # any spacing
        lambda: rng.choice(duties),
        lambda: rng.choice(duties).split(" ")[0],
        lambda: person()["내선"],
        lambda: person()["직통전화"][-4:],
        lambda: person()["휴대전화"][4:8],
        lambda: rng.choice(["주무관", "팀장", "과장", "동장"]),
    ]
    voice = [
        lambda p: f"{p['부서']} {p['성명']} {p['직위']} 연결해 줘",
        lambda p: f"{p['성명']}한테 전화해줘",
        lambda p: f"{hangul.strip_department_suffix(p['부서'])} {p['성명']} {p['직위']}님께 전화 걸어 주세요",
        lambda p: f"내선 {p['내선']}번 연결",
        lambda p: f"{misheard(p['성명'])} 씨 바꿔 줘",
    ]
    queries: list[tuple[str, str]] = []
    for _ in range(QUERIES):
        if rng.random() < VOICE_SHARE:
            queries.append(("voice", rng.choice(voice)(person())))
        else:
            queries.append(("search", rng.choice(makers)()))
    return queries


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


class Client:
    """GET/POST returning (status, text): over HTTP to a real server, or Flask's test client."""

    def __init__(self, base_url: str = "", app=None) -> None:
        self._http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) if base_url else None
        self._test = app.test_client() if app is not None else None

    def get(self, path: str) -> tuple[int, str]:
        response = self._http.get(path) if self._http else self._test.get(path)
        return response.status_code, response.text

    def post(self, path: str, **kwargs) -> tuple[int, str]:
        response = self._http.post(path, **kwargs) if self._http else self._test.post(path, **kwargs)
        return response.status_code, response.text

    def close(self) -> None:
        if self._http:
            self._http.close()


@contextmanager
def serve(workdir: Path, *, in_process: bool, app) -> Iterator[Client]:
    """The app as production runs it: a gunicorn worker on loopback (or, on request, in-process)."""
    if in_process:
        yield Client(app=app)
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INSTANCE_PATH": str(workdir), "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
           "APP_ENV": "development"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--threads", "4", "--log-level", "warning", "app:create_app()"], cwd=ROOT, env=env)
    client = Client(base_url=f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/healthz?check=db")[0] == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the bench server did not start")
            time.sleep(0.1)
        yield client
    finally:
        client.close()
        server.terminate()
        server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--in-process", action="store_true",
                        help="use Flask's test client instead of a gunicorn worker on loopback")
    parser.add_argument("--entries", metavar="N[,N...]",
                        help="scale mode: import N entries (each size in turn) under gunicorn.conf.py and measure")
    args = parser.parse_args()
    if args.entries:
        sizes = [int(n) for n in args.entries.split(",")]
        return directory_scale.run(sizes, make_queries, percentile)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-directory-"))
    app = create_app({"INSTANCE_PATH": str(workdir), "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
                      "APP_ENV": "development"})
    rows = directory_rows()
    csv_path = workdir / "directory.csv"
    csv_path.write_text(rows_to_csv(rows), encoding="utf-8")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        report = import_file(db.session, csv_path.read_bytes(), csv_path.name)
        create_user(db.session, "bench", PASSWORD, "staff")
        db.session.commit()
        entries = report.added + report.updated + report.unchanged
        db.engine.dispose()  # the server process opens its own connections
    print(f"imported {entries} entries ({len(report.rejected)} rejected) in "
          f"{time.perf_counter() - started:.1f}s", file=sys.stderr)

    with serve(workdir, in_process=args.in_process, app=app) as client:
        return measure(client, rows, entries, started)


def measure(client: Client, rows: list[dict[str, str]], entries: int, started: float) -> int:
    login_page = client.get("/login")[1]
    token = login_page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    status, _ = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    if status != 302:
        raise RuntimeError(f"bench login failed: HTTP {status}")
    csrf = client.get("/directory")[1].split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    def run(kind: str, text: str) -> float:
        t0 = time.perf_counter()
        if kind == "voice":
            status, body = client.post("/api/voice-dial", json={"transcript": text}, headers={"X-CSRFToken": csrf})
        else:
            status, body = client.get(f"/api/directory/search?q={quote(text)}&limit=20")
        elapsed = time.perf_counter() - t0
        if status != 200:
            raise RuntimeError(f"{kind} {text!r}: HTTP {status} {body[:200]}")
        return elapsed

    queries = make_queries(rows, random.Random(7))
    for kind, text in queries[:30]:  # warm-up: the first request builds the in-memory index
        run(kind, text)

    # Queries and /healthz alternate in small rounds so that both see the same machine: on a
    # shared 2-core box a burst of load during one phase would otherwise skew the ratio.
    search_times: list[float] = []
    voice_times: list[float] = []
    query_total = health_total = 0.0
    for start in range(0, len(queries), ROUND):
        t0 = time.perf_counter()
        for kind, text in queries[start:start + ROUND]:
            (voice_times if kind == "voice" else search_times).append(run(kind, text))
        query_total += time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(ROUND):
            if client.get("/healthz?check=db")[0] != 200:
                raise RuntimeError("/healthz failed")
        health_total += time.perf_counter() - t0
    qps = len(queries) / query_total
    baseline_qps = len(queries) / health_total

    result = {
        "entries": entries,
        "queries": len(queries),
        "search_p50_ms": round(statistics.median(search_times) * 1000, 2),
        "search_p95_ms": round(percentile(search_times, 95) * 1000, 2),
        "voice_p95_ms": round(percentile(voice_times, 95) * 1000, 2),
        "qps": round(qps, 1),
        "baseline_qps": round(baseline_qps, 1),
        "ratio": round(qps / baseline_qps, 3),
    }
    print(json.dumps(result))
    print(f"finished in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    missed = [k for k, limit in TARGETS.items()
              if (result[k] < limit if k == "ratio" else result[k] >= limit)]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
