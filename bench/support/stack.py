"""What bench/load.py and bench/pg_floor.py share: a fresh database with the demo data and signed-up staff,
gunicorn started with gunicorn.conf.py on it, sign-in over HTTP, and the server's CPU time.

Not a benchmark itself (``make bench`` runs only ``bench/*.py``).
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The server the benches create their databases on (never the tests' databases).
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-" + secrets.token_urlsafe(12)
CLK_TCK = os.sysconf("SC_CLK_TCK")
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def pg_reachable() -> bool:
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except psycopg.Error:
        return False


def fresh_pg_database(name: str) -> str:
    """Drop and create database ``name`` on the bench server; its URL."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@dataclass
class Stack:
    """One database with the demo directory and ``usernames`` (all with ``PASSWORD``)."""
    kind: str            # "sqlite" or "postgresql"
    url: str
    instance: Path
    usernames: list[str]

    def env(self) -> dict[str, str]:
        return {**os.environ, "INSTANCE_PATH": str(self.instance), "DATABASE_URL": self.url,
                "APP_ENV": "development"}


def prepare(kind: str, users: int, pg_name: str) -> Stack:
    """Migrate, seed the demo (``flask seed-demo``, as ``make db`` does) and add ``users`` staff accounts."""
    instance = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    url = fresh_pg_database(pg_name) if kind == "postgresql" else f"sqlite:///{instance / 'bench.db'}"
    stack = Stack(kind, url, instance, [f"bench{n:03d}" for n in range(users)])
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    for command in (["db", "upgrade", "heads"], ["seed-demo"]):
        done = subprocess.run([*flask, *command], cwd=ROOT, env=stack.env(), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    _add_users(stack)
    return stack


def _add_users(stack: Stack) -> None:
    from app import create_app
    from core.accounts import hash_password
    from core.models.accounts import User
    from core.timeutil import utcnow
    from extensions import db

    app = create_app({"INSTANCE_PATH": str(stack.instance), "DATABASE_URL": stack.url, "APP_ENV": "development"})
    logging.getLogger("httpx").setLevel(logging.WARNING)   # create_app logs at INFO: not every request
    with app.app_context():
        digest = hash_password(PASSWORD)   # one hash for all: each argon2 hash costs 0.15 s
        db.session.add_all(User(username=name, display_name=f"벤치{name[-3:]}", password_hash=digest, role="staff",
                                password_changed_at=utcnow()) for name in stack.usernames)
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), 0 for one that is gone."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def postgres_backends(stack: Stack) -> list[int]:
    """The PostgreSQL server processes serving this stack's database (their CPU is the request's too)."""
    if stack.kind != "postgresql":
        return []
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        name = stack.url.rsplit("/", 1)[1]
        return [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]


@contextmanager
def serve(stack: Stack, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """gunicorn as docs/operations.md recommends (``-c gunicorn.conf.py``), on a free loopback port."""
    port = free_port()
    env = {**stack.env(), "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "/dev/null",
           "GUNICORN_LOG_LEVEL": "warning", **(extra_env or {})}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(server.base_url + "/healthz?check=db", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the {stack.kind} bench server did not start")
            time.sleep(0.2)
        yield server
    finally:
        stop(process, 40)


def stop(process: subprocess.Popen, grace_s: float) -> None:
    """TERM, then KILL if ``process`` has not ended within ``grace_s`` (gunicorn's graceful timeout is 30 s)."""
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def heartbeats(stacks: list[Stack]) -> Iterator[None]:
    """A worker's heartbeat every 15 s in each database, so /healthz answers 200 (no worker runs here)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from core.db import engine_options
    from core.health import record_heartbeat
    from core.settings import _with_driver

    engines = [create_engine(_with_driver(s.url), **engine_options(s.url)) for s in stacks]
    stop = threading.Event()

    def beat() -> None:
        while True:
            for engine in engines:
                with Session(engine) as session:
                    record_heartbeat(session, "bench", 0)
                    session.commit()
            if stop.wait(15):
                return

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        for engine in engines:
            engine.dispose()


async def sign_in(client: httpx.AsyncClient, username: str) -> str:
    """Sign ``client`` in through the real form; the page's CSRF token for later POSTs."""
    page = await client.get("/login")
    token = _CSRF.search(page.text).group(1)
    answer = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in of {username} failed: HTTP {answer.status_code}")
    page = await client.get("/directory")
    return page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (``uptime``): the 2 cores are shared, so every figure carries it."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
