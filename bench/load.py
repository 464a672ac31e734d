"""200 signed-in staff using the portal at once, with think time, against gunicorn as production runs it.

gunicorn starts with gunicorn.conf.py (docs/operations.md) on a fresh PostgreSQL database (``bench_load``) when
one is reachable (``BENCH_PG_URL``), else on SQLite, with the demo data (``flask seed-demo``). Each simulated
person signs in through the form before the measured window (own account, own session cookie), then for
``--seconds`` repeats: think 1-5 s (3 s on average), then one action drawn from a day's mix: the home page,
a search typed syllable by syllable (0.15-0.4 s apart) through the directory's HTMX results fragment as the
page sends it (``hx-trigger="input changed delay:200ms"``: a syllable followed by the next within 200 ms sends
nothing), a voice request (``/api/voice-dial``), the viewer page of a document shared with all staff, the
board, or an app opening whose offline directory copy is due for its check (``/api/directory/snapshot`` with
the copy's version as ``If-None-Match``: a 304 while the directory has not changed; the page checks when its
last check is 3 hours old, so a few times a day against a hundred other actions). A probe asks for
``/healthz`` twice a second meanwhile: ``ratio`` is the actions' p95 against its p95 under the same load. One
asyncio loop and httpx (keep-alive connections, one client per person).

Besides the latencies it prints the CPU each request cost the server (gunicorn's workers and, on PostgreSQL,
the database's backends) and this client, both on the same 2 cores: the figures that say where a missed
target's time went.

Prints one JSON object; exits 1 when a target is missed: any error, or p95 over ``P95_TARGET_MS`` (2 cores).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import stack
from core.demo.organization import directory_rows

USERS = 200
P95_TARGET_MS = 200.0
MIX = (("home", 0.24), ("search", 0.34), ("voice", 0.1), ("viewer", 0.15), ("board", 0.14), ("sync", 0.03))
DEBOUNCE_S = 0.2      # templates/directory/index.html: hx-trigger="input changed delay:200ms"
_VIEWER_LINK = re.compile(r'href="(/viewer/\d+)"')
SIGN_IN_AT_ONCE = 4   # Argon2 is 0.15 s of CPU: more at once only queues them


class Person:
    def __init__(self, base_url: str, username: str, rng: random.Random, names: list[str]) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=30, follow_redirects=False)
        self.username, self.rng, self.names, self.csrf = username, rng, names, ""
        self.viewer = "/documents"   # until sign_in finds the shared document's page
        self.copy = ""               # the version of the offline directory copy the phone holds

    async def act(self, kind: str, timings: list[float], errors: list[str]) -> None:
        if kind == "search":   # typing a name: 김, 김민, 김민준
            name = self.rng.choice(self.names)
            for n in range(1, len(name) + 1):
                pause = self.rng.uniform(0.15, 0.4) if n < len(name) else DEBOUNCE_S
                if pause >= DEBOUNCE_S:   # the page's delay ran out before the next syllable: it asks
                    await asyncio.sleep(DEBOUNCE_S)
                    await self._timed("GET", f"/directory?q={quote(name[:n])}", timings, errors,
                                      headers={"HX-Request": "true", "HX-Target": "results"})
                    pause -= DEBOUNCE_S
                await asyncio.sleep(pause)
            return
        if kind == "voice":
            name = self.rng.choice(self.names)
            await self._timed("POST", "/api/voice-dial", timings, errors,
                              json={"transcript": f"{name}한테 전화해줘"}, headers={"X-CSRFToken": self.csrf})
            return
        if kind == "sync":
            await self._timed("GET", "/api/directory/snapshot", timings, errors, ok=(200, 304),
                              headers={"If-None-Match": f'"{self.copy}"', "Accept-Encoding": "br, gzip"})
            return
        path = {"home": "/", "viewer": self.viewer, "board": "/board"}[kind]
        await self._timed("GET", path, timings, errors)

    async def _timed(self, method: str, path: str, timings: list[float], errors: list[str],
                     ok: tuple[int, ...] = (200,), **kwargs) -> None:
        t0 = time.perf_counter()
        try:
            answer = await self.client.request(method, path, **kwargs)
            if answer.status_code not in ok:
                errors.append(f"{method} {path.split('?')[0]}: HTTP {answer.status_code}")
        except httpx.HTTPError as exc:
            errors.append(f"{method} {path.split('?')[0]}: {exc.__class__.__name__}")
        timings.append(1000 * (time.perf_counter() - t0))


async def run(base_url: str, usernames: list[str], seconds: float, serving: Callable[[], list[int]]) -> dict:
    """The measured window; ``serving`` names the server's processes (workers, database backends) now."""
    names = [row["성명"] for row in directory_rows() if row["구분"] == "직원"]
    people = [Person(base_url, name, random.Random(n), names) for n, name in enumerate(usernames)]
    gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)

    async def sign_in(person: Person) -> None:
        async with gate:
            person.csrf = await stack.sign_in(person.client, person.username)
            shared = _VIEWER_LINK.search((await person.client.get("/documents")).text)
            if shared:
                person.viewer = shared.group(1)
            # The copy the phone fetched after its first sign-in (in the background, long before this window).
            snapshot = await person.client.get("/api/directory/snapshot", headers={"Accept-Encoding": "br, gzip"})
            person.copy = snapshot.headers.get("ETag", "").strip('"')

    started = time.monotonic()
    await asyncio.gather(*(sign_in(p) for p in people))
    signed_in_s = time.monotonic() - started
    timings: list[float] = []
    probe: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    client_cpu, server_cpu = _own_cpu_seconds(), {pid: stack.cpu_seconds([pid]) for pid in serving()}

    async def live(person: Person) -> None:
        await asyncio.sleep(person.rng.uniform(0, 3))   # not all at the first second
        while time.monotonic() < deadline:
            kinds, weights = zip(*MIX, strict=True)
            await person.act(person.rng.choices(kinds, weights)[0], timings, errors)
            await asyncio.sleep(person.rng.uniform(1, 5))

    async def health() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                answer = await client.get("/healthz")
                probe.append(1000 * (time.perf_counter() - t0))
                if answer.status_code != 200:
                    errors.append(f"GET /healthz: HTTP {answer.status_code}")
                await asyncio.sleep(0.5)

    await asyncio.gather(health(), *(live(p) for p in people))
    for person in people:
        await person.client.aclose()
    return {"timings": timings, "probe": probe, "errors": errors, "signed_in_s": signed_in_s,
            "client_cpu_s": _own_cpu_seconds() - client_cpu, "viewer": people[0].viewer,
            # a backend opened during the window counts from zero; one closed in it is not counted
            "server_cpu_s": sum(stack.cpu_seconds([pid]) - server_cpu.get(pid, 0.0) for pid in serving())}


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60, help="the measured window (default 60)")
    parser.add_argument("--users", type=int, default=USERS)
    args = parser.parse_args()
    kind = "postgresql" if stack.pg_reachable() else "sqlite"
    if kind == "sqlite":
        print(f"PostgreSQL is not reachable at {stack.PG_ADMIN_URL} (BENCH_PG_URL): measuring on SQLite",
              file=sys.stderr)
    st = stack.prepare(kind, args.users, "bench_load")
    load_before = stack.load_average()
    with stack.serve(st) as server, stack.heartbeats([st]):
        seen = asyncio.run(run(server.base_url, st.usernames, args.seconds,
                               lambda: [*server.worker_pids(), *stack.postgres_backends(st)]))
    timings, probe, errors = seen["timings"], seen["probe"], seen["errors"]
    p95, healthz_p95 = stack.percentile(timings, 95), stack.percentile(probe, 95)
    served = len(timings) + len(probe)   # the probe's requests cost CPU too
    result = {"users": args.users, "requests": len(timings), "errors": len(errors),
              "p50_ms": round(stack.percentile(timings, 50), 1), "p95_ms": round(p95, 1),
              "p99_ms": round(stack.percentile(timings, 99), 1), "healthz_p95_ms": round(healthz_p95, 1),
              "ratio": round(p95 / healthz_p95, 2) if healthz_p95 else None, "database": kind,
              "seconds": args.seconds, "sign_in_s": round(seen["signed_in_s"], 1), "viewer": seen["viewer"],
              "server_cpu_ms_per_request": round(1000 * seen["server_cpu_s"] / max(1, served), 2),
              "client_cpu_ms_per_request": round(1000 * seen["client_cpu_s"] / max(1, served), 2),
              "load_before": load_before, "load_after": stack.load_average()}
    print(json.dumps(result))
    if errors:
        print("errors (first 5):", errors[:5], file=sys.stderr)
    if errors or p95 > P95_TARGET_MS:
        print(f"missed: {len(errors)} errors, p95 {p95:.0f} ms (target 0 and ≤ {P95_TARGET_MS:.0f} ms)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
