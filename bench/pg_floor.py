"""PostgreSQL's cost per request against SQLite's: the same app, data and client, in the same run.

Two gunicorns (gunicorn.conf.py), one on SQLite and one on a fresh PostgreSQL database (``bench_pg_floor``),
each with the demo directory (``flask seed-demo``) and one signed-in staff session. Then ``--connections``
keep-alive connections ask as fast as they can for ``/healthz``, ``/api/directory/search?q=…`` and the
directory's HTMX results fragment (``/directory?q=…`` with ``HX-Request: true``), the query cycling through
prefixes of the demo's names. Each (endpoint, database) pair runs ``--rounds`` times for ``--seconds`` /
``--rounds`` seconds, SQLite and PostgreSQL interleaved (the order swapped every round), so the load of
whatever else runs on the machine falls on both alike.

The client is a minimal HTTP/1.1 client on asyncio streams: on 2 shared cores it must cost far less than the
server, or every ratio would drift towards 1. Beside requests/s, ``cpu_ms`` is the server's CPU per request
(gunicorn's workers, plus the PostgreSQL backends of its database), which other processes' load barely moves.

Prints one JSON object; exits 1 when PostgreSQL's throughput on any endpoint is under ``TARGET`` of SQLite's
or a request failed. Without a reachable PostgreSQL (``BENCH_PG_URL``) it measures SQLite alone and says so.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import stack
from core.demo.organization import directory_rows

TARGET = 0.7
ENDPOINTS = ("healthz", "api_search", "htmx_search")


def queries(rng: random.Random, count: int = 200) -> list[str]:
    """What people type: the first one to three syllables of a name (김, 김민, 김민준)."""
    names = [row["성명"] for row in directory_rows() if row["구분"] == "직원"]
    return [name[:rng.randint(1, 3)] for name in rng.sample(names, count)]


def request_bytes(endpoint: str, port: int, cookie: str, terms: list[str]) -> list[bytes]:
    head = f"Host: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
    if endpoint == "healthz":
        return [f"GET /healthz HTTP/1.1\r\n{head}\r\n".encode()]
    if endpoint == "api_search":
        return [f"GET /api/directory/search?q={quote(t)}&limit=20 HTTP/1.1\r\n{head}\r\n".encode() for t in terms]
    return [f"GET /directory?q={quote(t)} HTTP/1.1\r\n{head}HX-Request: true\r\nHX-Target: results\r\n\r\n"
            .encode() for t in terms]


async def _connection(port: int, requests: list[bytes], deadline: float, tally: dict[str, int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = random.randrange(len(requests))
    try:
        while time.monotonic() < deadline:
            writer.write(requests[i % len(requests)])
            i += 1
            status = int((await reader.readline()).split(b" ", 2)[1])
            length, closing = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    closing = True
            await reader.readexactly(length)
            tally["ok" if status == 200 else "errors"] += 1
            if closing:
                break
    finally:
        writer.close()


async def hammer(port: int, requests: list[bytes], connections: int, seconds: float) -> dict[str, int]:
    tally = {"ok": 0, "errors": 0}
    deadline = time.monotonic() + seconds
    results = await asyncio.gather(*(_connection(port, requests, deadline, tally) for _ in range(connections)),
                                   return_exceptions=True)
    tally["errors"] += sum(1 for r in results if isinstance(r, BaseException))
    return tally


def session_cookie(base_url: str, username: str) -> str:
    async def go() -> str:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            await stack.sign_in(client, username)
            return "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return asyncio.run(go())


def measure(servers: dict, cookies: dict, terms: list[str], args) -> dict:
    per_round = args.seconds / args.rounds
    figures: dict = {e: {k: {"requests": 0, "errors": 0, "seconds": 0.0, "cpu": 0.0} for k in servers}
                     for e in ENDPOINTS}
    for endpoint in ENDPOINTS:   # warm: the index, the pools, every code path
        for kind, (server, _) in servers.items():
            port = int(server.base_url.rsplit(":", 1)[1])
            asyncio.run(hammer(port, request_bytes(endpoint, port, cookies[kind], terms), 4, 1.5))
    for n in range(args.rounds):
        for endpoint in ENDPOINTS:
            order = list(servers) if n % 2 == 0 else list(reversed(servers))
            for kind in order:
                server, st = servers[kind]
                port = int(server.base_url.rsplit(":", 1)[1])
                requests = request_bytes(endpoint, port, cookies[kind], terms)
                pids = server.worker_pids() + stack.postgres_backends(st)
                cpu0, t0 = stack.cpu_seconds(pids), time.monotonic()
                tally = asyncio.run(hammer(port, requests, args.connections, per_round))
                cell = figures[endpoint][kind]
                cell["seconds"] += time.monotonic() - t0
                cell["cpu"] += stack.cpu_seconds(pids) - cpu0
                cell["requests"] += tally["ok"]
                cell["errors"] += tally["errors"]
    return figures


def summary(figures: dict) -> dict:
    out: dict = {}
    for endpoint, cells in figures.items():
        row: dict = {}
        for kind, c in cells.items():
            row[f"{kind}_rps"] = round(c["requests"] / c["seconds"], 1)
            row[f"{kind}_cpu_ms"] = round(1000 * c["cpu"] / max(1, c["requests"]), 2)
            row[f"{kind}_errors"] = c["errors"]
        if "postgresql" in cells:
            row["ratio"] = round(row["postgresql_rps"] / row["sqlite_rps"], 2)
            row["cpu_ratio"] = round(row["sqlite_cpu_ms"] / row["postgresql_cpu_ms"], 2)
        out[endpoint] = row
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20, help="per endpoint and database (default 20)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved slices of those seconds (default 4)")
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    load_before = stack.load_average()
    kinds = ["sqlite"]
    if stack.pg_reachable():
        kinds.append("postgresql")
    else:
        print(f"PostgreSQL is not reachable at {stack.PG_ADMIN_URL} (BENCH_PG_URL): only SQLite is measured, "
              "there is no ratio", file=sys.stderr)
    stacks = {kind: stack.prepare(kind, 1, "bench_pg_floor") for kind in kinds}
    terms = queries(random.Random(14))
    with ExitStack() as running:
        servers = {kind: (running.enter_context(stack.serve(st)), st) for kind, st in stacks.items()}
        running.enter_context(stack.heartbeats(list(stacks.values())))
        cookies = {kind: session_cookie(server.base_url, st.usernames[0]) for kind, (server, st) in servers.items()}
        figures = measure(servers, cookies, terms, args)
    result = {"connections": args.connections, "seconds_each": args.seconds, "rounds": args.rounds,
              **summary(figures), "load_before": load_before, "load_after": stack.load_average()}
    print(json.dumps(result))
    if len(kinds) < 2:
        return 0   # nothing to compare on this machine; said above
    missed = [e for e in ENDPOINTS if result[e]["ratio"] < TARGET]
    errors = sum(c["errors"] for cells in figures.values() for c in cells.values())
    if missed or errors:
        print(f"missed: ratio under {TARGET} for {missed}, {errors} errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
