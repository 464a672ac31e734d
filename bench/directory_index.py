"""Directory index benchmark: how long a search waits for the index after the directory changes, at 50,000.

A fresh SQLite database gets ENTRIES people (the demo directory repeated with new names and numbers). Then,
in this process, as a web process would:

1. ``baseline``: the old path, building the index in front of the first search (``build_index``);
2. the worker's ``publish`` writes the file (timed; the worker does it, off the request path);
3. one person changes; 8 threads search without pause while a worker process publishes again, and every
   search's wait is recorded (the previous index serves while a thread loads the new file, then swaps).

Prints {"entries", "baseline_wait_s", "publish_s", "load_s", "max_wait_s", "p95_ms", "searches", "ratio",
"fresh_after_publish"}: ``ratio`` is baseline_wait_s / max_wait_s. Target: max_wait_s <= 1.0.
"""
from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, update  # noqa: E402

from app import create_app  # noqa: E402
from core.demo.organization import directory_rows  # noqa: E402
from core.directory import index, published  # noqa: E402
from core.directory.search import search  # noqa: E402
from core.models.organization import Department, Person  # noqa: E402
from extensions import db  # noqa: E402

ENTRIES = 50_000
TARGET_MAX_WAIT_S = 1.0
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = "민서준지현우하은도윤수아예진태희성영호"


def fill(count: int) -> None:
    rng = random.Random(7)
    base = directory_rows()
    departments: dict[tuple[str, str, str], int] = {}
    for row in base:
        key = (row["소속기관"], row["상위부서"], row["부서"])
        if key not in departments:
            departments[key] = db.session.execute(insert(Department).values(
                organization=key[0], parent=key[1], name=key[2]).returning(Department.id)).scalar_one()
    people = []
    for i in range(count):
        row = base[i % len(base)]
        name = row["성명"] if i < len(base) else rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        people.append({"kind": "staff", "name": name, "title": row["직위"], "grade": row["직급"],
                       "duty": row["담당업무"],
                       "department_id": departments[(row["소속기관"], row["상위부서"], row["부서"])],
                       "extension": f"{i % 100000:05d}", "phone": f"+8231{70000000 + i}", "mobile": "",
                       "email": f"p{i}@bench.goyang.go.kr"})
    for start in range(0, len(people), 5000):
        db.session.execute(insert(Person), people[start:start + 5000])
    db.session.commit()


def publish_in_worker(workdir: Path) -> None:
    """``publish`` in a process of its own, as the worker runs it (not under this process's GIL)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from app import create_app; "
            "from core.directory import published; from extensions import db; "
            "app = create_app({'INSTANCE_PATH': sys.argv[2], 'DATABASE_URL': sys.argv[3]}); ctx = app.app_context(); "
            "ctx.push(); published.publish(db.session, published.folder_for(app.config))")
    subprocess.run([sys.executable, "-c", code, str(ROOT), str(workdir), f"sqlite:///{workdir / 'bench.db'}"],
                   check=True, capture_output=True)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-index-"))
    app = create_app({"INSTANCE_PATH": str(workdir), "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
                      "APP_ENV": "development"})
    folder = published.folder_for(app.config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        fill(ENTRIES)
        started = time.perf_counter()
        index.build_index(db.session)
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        path = published.publish(db.session, folder)
        publish_s = time.perf_counter() - started
        started = time.perf_counter()
        published.load(path)
        load_s = time.perf_counter() - started
        index.get_index(db.session)                       # this process's first index (the file)
        db.session.execute(update(Person).where(Person.id == 1).values(name="홍두께"))
        db.session.commit()
        db.session.remove()

    waits: list[float] = []
    done = threading.Event()

    def searcher(query: str) -> None:
        with app.app_context():
            while not done.is_set():
                started = time.perf_counter()
                search(index.get_index(db.session), query, 20)
                waits.append(time.perf_counter() - started)
                db.session.remove()

    threads = [threading.Thread(target=searcher, args=(q,)) for q in ("김민", "ㄱㅁㅈ", "주무관", "2345") * 2]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    publish_in_worker(workdir)                            # the worker's pass after the change
    time.sleep(3 * index.CHECK_SECONDS)           # every thread has seen the new stamp: the loader is running
    with app.app_context():
        index.wait_for_loader(db.engine)
    time.sleep(index.CHECK_SECONDS)
    done.set()
    for thread in threads:
        thread.join()
    with app.app_context():
        fresh = bool(search(index.get_index(db.session), "홍두께", 5))
    max_wait = max(waits)
    result = {"entries": ENTRIES, "baseline_wait_s": round(baseline, 2), "publish_s": round(publish_s, 2),
              "load_s": round(load_s, 2), "max_wait_s": round(max_wait, 3),
              "p95_ms": round(statistics.quantiles(waits, n=20)[-1] * 1000, 1), "searches": len(waits),
              "ratio": round(baseline / max_wait, 1), "fresh_after_publish": fresh}
    print(json.dumps(result))
    return 0 if max_wait <= TARGET_MAX_WAIT_S and fresh else 1


if __name__ == "__main__":
    sys.exit(main())
