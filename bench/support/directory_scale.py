"""``bench/directory.py --entries``: a directory of any size (the demo's rows, then more people like them),
imported the way production does while gunicorn serves the app, and what each process then costs.

For each size, on a fresh SQLite database:

1. the job worker (``python -m lettering_worker``) and gunicorn with gunicorn.conf.py (``bench.support.stack``)
   start; signed-in keep-alive connections reach every gunicorn worker, each of which then holds the (empty)
   index;
2. an admin uploads the CSV to the console (``/admin/directory/import``), the worker runs the import task, then
   its ``directory.index`` job publishes the new index; the web processes load it in the background;
3. ``first_search_after_import_ms``: every connection searches as soon as the task is done (the index in place
   answers; nothing may wait for a build), and ``searchable_after_import_s`` is how long until every connection
   finds the last imported person (each worker swapped in the new index);
4. the query mix of the default run, alternating with /healthz (the same-run baseline: ``ratio``); then every
   connection fetches the offline directory copy and checks it once (``snapshot_full_ms``, ``snapshot_check_ms``:
   the slowest), so that each worker holds what phones make it keep; then each gunicorn worker's RSS
   (``rss_mb_per_process``, the largest);
5. one person is edited; the worker's periodic pass republishes and every worker swaps, while a prober searches
   without pause (``max_search_ms_during_swap``: did any search wait?); every connection syncs its copy, a delta
   (``snapshot_delta_ms``); RSS again (``rss_mb_after_swap``) and
   the peak (``peak_rss_mb``, VmHWM: both indexes are held while one loads), and the job worker's RSS.

Not a benchmark itself (``make bench`` runs only ``bench/*.py``).
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.support import stack
from core.demo.organization import GIVEN_NAMES, SURNAMES, directory_rows

Queries = list[tuple[str, str]]
CLIENTS = 8            # signed-in connections for the mix, spread over gunicorn's workers
SWAP_QUERIES = 300     # searched after the swap to a republished index, before its RSS is read
PROBE_QUERIES = ("김민", "ㄱㅁㅈ", "주무관", "2345", "교통정책과")   # the prober's searches during a swap
TARGETS = {"first_search_after_import_ms": 1000.0, "max_search_ms_during_import": 1000.0,
           "max_search_ms_during_swap": 1000.0, "rss_mb_per_process": 250.0, "rss_mb_after_swap": 250.0,
           "search_p95_ms": 20.0}
EDITED_NAME = "홍두께"    # no demo or generated name: found only once the edit is swapped in


def scale_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    """``count`` import rows (header → value). Up to the demo's 5,318 they are the demo's own; past it each new
    person copies the department, title, grade and duty of a demo row and gets a name drawn the demo's way
    (weighted surnames, common given names and others) and numbers, an e-mail and a mobile of their own, as an HR
    export of a larger city would have them."""
    base = directory_rows()
    if count <= len(base):
        return base[:count]
    rng = random.Random(seed)
    # Half the given names are the demo's common ones, half two syllables drawn from them: a city of 50,000
    # has tens of thousands of distinct names, not the few thousand that the common list alone would give.
    syllables = sorted({ch for given in GIVEN_NAMES for ch in given})
    staff = [row for row in base if row["구분"] == "직원"]
    rows = list(base)
    # Mobiles drawn at random like the demo's (a run of 010-2000-xxxx would give 10,000 people the same middle
    # digits, which no city has, and make every "2001" search list a fifth of the directory).
    taken = {row["휴대전화"].replace("-", "")[3:] for row in base}
    mobiles = [m for m in rng.sample(range(20_000_000, 100_000_000), 2 * count) if f"{m}" not in taken]
    for i in range(count - len(base)):
        model = staff[i % len(staff)]
        mobile = f"{mobiles[i]}"
        # Unique numbers: 031-7xxx-xxxx (an office exchange of its own: the demo uses 031-8075-), extensions
        # from 10000; nine in ten have a mobile.
        rows.append({**model, "성명": rng.choice(SURNAMES) + given(rng, syllables),
                     "내선": str(10000 + i), "직통전화": f"031-{7000 + i // 10000}-{i % 10000:04d}",
                     "휴대전화": f"010-{mobile[:4]}-{mobile[4:]}" if i % 10 else "",
                     "이메일": f"scale{i:06d}@example.go.kr"})
    return rows


def given(rng: random.Random, syllables: list[str]) -> str:
    return rng.choice(GIVEN_NAMES) if rng.random() < 0.5 else rng.choice(syllables) + rng.choice(syllables)


# --- Processes -----------------------------------------------------------------------------------------

def memory_mb(pid: int) -> dict[str, float]:
    """``rss`` (VmRSS) and ``peak`` (VmHWM, the largest RSS the process ever had) from /proc, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss": int(fields["VmRSS"].split()[0]) / 1024, "peak": int(fields["VmHWM"].split()[0]) / 1024}


def sockets(pid: int) -> int:
    """Open sockets of a process: a gunicorn worker holds one per client connection it accepted."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


@contextmanager
def job_worker(bench: stack.Stack) -> Iterator[subprocess.Popen]:
    """``python -m lettering_worker`` as deploy/systemd runs it: the import task and the index publishing."""
    log = (bench.instance / "worker.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "lettering_worker", "--log-level", "WARNING"], cwd=stack.ROOT,
                               env={**bench.env(), "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stack.stop(process, 60)
        log.close()


# --- Clients -------------------------------------------------------------------------------------------

class Staff:
    """One signed-in keep-alive connection to the server (a session cookie, the page's CSRF token)."""

    def __init__(self, base_url: str, username: str = "bench") -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        page = self.http.get("/login").text
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        answer = self.http.post("/login", data={"username": username, "password": stack.PASSWORD,
                                                "csrf_token": token})
        if answer.status_code != 302:
            raise RuntimeError(f"bench login of {username} failed: HTTP {answer.status_code}")
        page = self.http.get("/directory").text
        self.csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    def ask(self, kind: str, text: str) -> tuple[float, dict]:
        started = time.perf_counter()
        if kind == "voice":
            answer = self.http.post("/api/voice-dial", json={"transcript": text}, headers={"X-CSRFToken": self.csrf})
        else:
            answer = self.http.get(f"/api/directory/search?q={quote(text)}&limit=20")
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"{kind} {text!r}: HTTP {answer.status_code} {answer.text[:200]}")
        return elapsed, answer.json()

    def sync(self, version: str = "") -> tuple[float, str]:
        """The offline directory copy as a phone keeps it: the full copy (no ``version``), or a check of the copy
        of ``version`` (a 304 while it is current, else a delta). Returns the time and the version now held."""
        headers = {"Accept-Encoding": "br, gzip"}
        if version:
            headers["If-None-Match"] = f'"{version}"'
        started = time.perf_counter()
        answer = self.http.get(f"/api/directory/snapshot?since={version}" if version else "/api/directory/snapshot",
                               headers=headers)
        elapsed = time.perf_counter() - started
        if answer.status_code not in (200, 304):
            raise RuntimeError(f"snapshot: HTTP {answer.status_code} {answer.text[:200]}")
        return elapsed, answer.headers["ETag"].strip('"')

    def finds(self, name: str) -> bool:
        return any(hit["name"] == name for hit in self.ask("search", name)[1]["results"])

    def upload(self, csv: bytes) -> None:
        """The console's import form, as an admin submits it (the worker then runs the task)."""
        answer = self.http.post("/admin/directory/import", data={"csrf_token": self.csrf},
                                files={"file": ("scale.csv", csv, "text/csv")})
        if answer.status_code != 200:
            raise RuntimeError(f"the console refused the import: HTTP {answer.status_code} {answer.text[:300]}")


def connect(server: stack.Server, least: int) -> list[Staff]:
    """``least`` connections, more while a gunicorn worker has none (each one must be measured), at most 8x."""
    workers = server.worker_pids()
    idle = {pid: sockets(pid) for pid in workers}
    staff = [Staff(server.base_url) for _ in range(least)]
    while len(staff) < 8 * max(least, 2) and any(sockets(pid) <= idle[pid] for pid in workers):
        staff.append(Staff(server.base_url))
    return staff


class Prober:
    """Searches without pause over its own connections (every worker's), in a thread of its own, and keeps the
    longest wait of each window: a worker that stalled while it loaded or swapped an index shows here."""

    def __init__(self, server: stack.Server) -> None:
        self.staff = connect(server, 2)
        self.longest = 0.0
        self.count = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def window(self) -> Iterator[Prober]:
        self.longest, self.count = 0.0, 0
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="prober", daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()

    def _run(self) -> None:
        turn = 0
        while not self._stop.is_set():
            person = self.staff[turn % len(self.staff)]
            elapsed = person.ask("search", PROBE_QUERIES[turn % len(PROBE_QUERIES)])[0]
            self.longest, self.count, turn = max(self.longest, elapsed), self.count + 1, turn + 1
            time.sleep(0.01)   # a user typing, not a flood: the swap's own cost is what is measured


def until_everyone_finds(staff: list[Staff], name: str, timeout: float = 180.0) -> float:
    """Seconds until every connection's search shows ``name`` (each worker swapped in the new index)."""
    started = time.monotonic()
    while not all(s.finds(name) for s in staff):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{name} was not searchable {timeout:.0f} s later")
        time.sleep(0.1)
    return time.monotonic() - started


def mix(staff: list[Staff], queries: Queries, percentile: Callable) -> dict[str, float]:
    """The query mix over every connection in turn, in rounds alternating with /healthz (the baseline), so
    that both see the same load on the shared 2-core machine."""
    search_times: list[float] = []
    voice_times: list[float] = []
    health_times: list[float] = []
    query_total = health_total = 0.0
    for start in range(0, len(queries), 50):
        started = time.perf_counter()
        for i, (kind, text) in enumerate(queries[start:start + 50]):
            (voice_times if kind == "voice" else search_times).append(staff[i % len(staff)].ask(kind, text)[0])
        query_total += time.perf_counter() - started
        started = time.perf_counter()
        for i in range(50):
            asked = time.perf_counter()
            if staff[i % len(staff)].http.get("/healthz?check=db").status_code != 200:
                raise RuntimeError("/healthz failed")
            health_times.append(time.perf_counter() - asked)
        health_total += time.perf_counter() - started
    qps, baseline_qps = len(queries) / query_total, len(queries) / health_total
    # /healthz's p95 says what the machine gave every request meanwhile (others measure on the same 2 cores).
    return {"search_p95_ms": round(percentile(search_times, 95) * 1000, 2),
            "healthz_p95_ms": round(percentile(health_times, 95) * 1000, 2),
            "voice_p95_ms": round(percentile(voice_times, 95) * 1000, 2),
            "qps": round(qps, 1), "baseline_qps": round(baseline_qps, 1), "ratio": round(qps / baseline_qps, 3)}


# --- One size ------------------------------------------------------------------------------------------

def prepare(count: int) -> tuple[stack.Stack, Any]:
    """A fresh, migrated SQLite database with a staff and an admin account, and an app to read it with."""
    from flask_migrate import upgrade

    from app import create_app
    from core.accounts import create_user
    from extensions import db

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-directory-{count}-"))
    bench = stack.Stack("sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir, ["bench", "benchadmin"])
    app = create_app({"INSTANCE_PATH": str(workdir), "DATABASE_URL": bench.url, "APP_ENV": "development"})
    with app.app_context():
        upgrade(directory=str(stack.ROOT / "migrations"), revision="heads")
        create_user(db.session, "bench", stack.PASSWORD, "staff")
        create_user(db.session, "benchadmin", stack.PASSWORD, "admin")
        db.session.commit()
        db.engine.dispose()   # the server and the worker open their own connections
    return bench, app


def wait_for_import(app: Any, timeout: float = 600.0) -> dict[str, Any]:
    """The import task's result once the worker has finished it (the console's progress box polls the same)."""
    from core.models.tasks import TaskRun
    from extensions import db

    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            task = db.session.scalar(db.select(TaskRun).order_by(TaskRun.id.desc()))
            if task is not None and task.status in ("done", "failed"):
                if task.status == "failed":
                    raise RuntimeError(f"the import task failed: {task.error}")
                return dict(task.result or {})
            db.session.rollback()
            time.sleep(0.05)
    raise RuntimeError("the import task did not finish")


def edit_one_person(app: Any) -> None:
    """One person renamed, as an admin's edit would (the ORM bumps ``updated_at``, so the stamp changes)."""
    from core.models.organization import Person
    from extensions import db

    with app.app_context():
        db.session.get(Person, 1).name = EDITED_NAME
        db.session.commit()


def one_size(count: int, make_queries: Callable, percentile: Callable) -> dict[str, Any]:
    """Import ``count`` entries through the console while gunicorn and the job worker run, then measure."""
    bench, app = prepare(count)
    rows = scale_rows(count)
    last = rows[-1]["성명"]
    csv = _csv(rows)
    with job_worker(bench) as worker, stack.serve(bench) as server:
        staff = connect(server, CLIENTS)
        for person in staff:
            person.ask("search", "김")                   # every worker holds its (empty) index
        workers = server.worker_pids()
        baseline_rss = max(memory_mb(pid)["rss"] for pid in workers)
        admin = Staff(server.base_url, "benchadmin")
        prober = Prober(server)
        with prober.window():
            started = time.perf_counter()
            admin.upload(csv)
            report = wait_for_import(app)
            import_s = time.perf_counter() - started
            # As soon as the task is done: the worker has not published yet, the index in place answers.
            first = max(person.ask("search", last)[0] for person in staff)
            fresh_s = until_everyone_finds(staff, last)
            during_import = prober.longest
        measured = mix(staff, make_queries(rows, random.Random(7)), percentile)
        # Every phone keeps the offline copy: each connection fetches it, then checks it as the app does when it
        # opens (a 304). Each gunicorn worker then holds the snapshot it built and its compressed bodies.
        full = [person.sync() for person in staff]
        checks = [person.sync(version)[0] for person, (_, version) in zip(staff, full, strict=True)]
        after_search = [memory_mb(pid)["rss"] for pid in workers]
        worker_after_import = memory_mb(worker.pid)
        with prober.window():
            started = time.perf_counter()
            edit_one_person(app)                          # the worker's next periodic pass republishes
            swap_s = until_everyone_finds(staff, EDITED_NAME)
            time.sleep(2.0)     # the loader thread trims the old index's memory once its last search is done
            during_swap, probes = prober.longest, prober.count
        mix(staff, make_queries(rows, random.Random(8))[:SWAP_QUERIES], percentile)
        deltas = [person.sync(version)[0] for person, (_, version) in zip(staff, full, strict=True)]   # the edit
        after_swap = [memory_mb(pid) for pid in workers]
        worker_memory = memory_mb(worker.pid)
        for person in (*staff, *prober.staff, admin):
            person.http.close()
    return {"entries": report.get("added", 0) + report.get("updated", 0) + report.get("unchanged", 0),
            "rejected": report.get("rejected_count", 0), "import_s": round(import_s, 1),
            "first_search_after_import_ms": round(first * 1000, 1),
            "max_search_ms_during_import": round(during_import * 1000, 1),
            "searchable_after_import_s": round(fresh_s, 1), "searchable_after_edit_s": round(swap_s, 1),
            "max_search_ms_during_swap": round(during_swap * 1000, 1), "probes_during_swap": probes,
            "snapshot_full_ms": round(max(t for t, _ in full) * 1000, 1),
            "snapshot_check_ms": round(max(checks) * 1000, 1), "snapshot_delta_ms": round(max(deltas) * 1000, 1),
            "baseline_rss_mb": round(baseline_rss), "rss_mb_per_process": round(max(after_search)),
            "rss_mb_after_swap": round(max(m["rss"] for m in after_swap)),
            "peak_rss_mb": round(max(m["peak"] for m in after_swap)), "workers": len(workers),
            "job_worker_rss_mb_after_import": round(worker_after_import["rss"]),
            "job_worker_rss_mb": round(worker_memory["rss"]), "job_worker_peak_rss_mb": round(worker_memory["peak"]),
            **measured, "load": stack.load_average()}


def _csv(rows: list[dict[str, str]]) -> bytes:
    from core.directory.importer import rows_to_csv

    return rows_to_csv(rows).encode()


def run(sizes: list[int], make_queries: Callable, percentile: Callable) -> int:
    """Every size in turn, one JSON object; non-zero when any size misses a target."""
    results = []
    for count in sizes:
        results.append(one_size(count, make_queries, percentile))
        print(json.dumps(results[-1]), file=sys.stderr)
    print(json.dumps({"sizes": results, "targets": TARGETS}))
    missed = [f"{key} at {r['entries']}" for r in results for key, limit in TARGETS.items() if r[key] > limit]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0
