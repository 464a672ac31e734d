"""Directory benchmark: import 5,000 staff and 300 contacts, then time 1,000 mixed queries.

Everything runs through the real app on a fresh SQLite database: the CSV goes through the
importer, each query is an HTTP request (Flask's test client, signed in with a session
cookie) to ``/api/directory/search`` or ``/api/voice-dial``. ``baseline_qps`` is ``/healthz``
on the same app in the same run, so ``ratio`` says how close search gets to a trivial route.

Prints one JSON object; exits non-zero when a target is missed.
Targets (2 cores, SQLite): search p95 < 20 ms, voice p95 < 50 ms, ratio >= 0.5.
"""
from __future__ import annotations

import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from core import hangul  # noqa: E402
from core.accounts import create_user  # noqa: E402
from core.demo.organization import directory_rows  # noqa: E402
from core.directory.importer import import_file, rows_to_csv  # noqa: E402
from extensions import db  # noqa: E402

QUERIES = 1000
VOICE_SHARE = 0.15
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


def main() -> int:
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
    print(f"imported {entries} entries ({len(report.rejected)} rejected) in "
          f"{time.perf_counter() - started:.1f}s", file=sys.stderr)

    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}).status_code \
        == 302, "bench login failed"
    csrf = client.get("/directory").get_data(as_text=True).split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    def run(kind: str, text: str) -> float:
        t0 = time.perf_counter()
        if kind == "voice":
            response = client.post("/api/voice-dial", json={"transcript": text}, headers={"X-CSRFToken": csrf})
        else:
            response = client.get(f"/api/directory/search?q={quote(text)}&limit=20")
        elapsed = time.perf_counter() - t0
        if response.status_code != 200:
            raise RuntimeError(f"{kind} {text!r}: HTTP {response.status_code} {response.get_data(as_text=True)}")
        return elapsed

    queries = make_queries(rows, random.Random(7))
    for kind, text in queries[:30]:  # warm-up: the first request builds the in-memory index
        run(kind, text)

    search_times: list[float] = []
    voice_times: list[float] = []
    t0 = time.perf_counter()
    for kind, text in queries:
        (voice_times if kind == "voice" else search_times).append(run(kind, text))
    total = time.perf_counter() - t0
    qps = len(queries) / total

    for _ in range(30):
        client.get("/healthz")
    t0 = time.perf_counter()
    for _ in range(len(queries)):
        assert client.get("/healthz").status_code == 200
    baseline_qps = len(queries) / (time.perf_counter() - t0)

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
