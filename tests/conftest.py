"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
the flaskr trio ``app``/``client``/``runner``, a live server, a real Chromium and the tests' clock.

The schema is migrated once per session with Alembic; every test then starts from
empty tables, so tests never see each other's rows.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask_migrate import upgrade
from time_machine import escape_hatch
from werkzeug.serving import make_server

from app import create_app
from core.accounts import create_user
from core.db import Base
from core.settings import _with_driver
from core.timeutil import KST, utcnow
from extensions import db

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "test-password-1!"

# --- The tests' clock ---------------------------------------------------------------------
# Tests own the clock. ``TEST_CLOCK=2026-03-02T03:00:00+09:00 pytest`` runs the whole session from that
# moment (``make test`` does so at 03:00 and 23:59:30 KST), and the ``clock`` fixture moves one test. Python
# processes that tests start follow through ``tests/clockhook/sitecustomize.py`` on PYTHONPATH.
CLOCK_HOOK = ROOT / "tests" / "clockhook"
OFFSET_VARIABLE = "GOYANG_TEST_CLOCK_OFFSET"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CLOCK_HOOK), os.environ.get("PYTHONPATH")]))


def _real_time() -> float:
    return escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()


def _offset_to(moment: datetime) -> float:
    """Seconds from real time to ``moment`` (which must carry its offset)."""
    if moment.tzinfo is None:
        raise ValueError("a test clock moment needs its UTC offset, e.g. +09:00")
    return moment.timestamp() - _real_time()


if os.environ.get("TEST_CLOCK"):
    os.environ[OFFSET_VARIABLE] = str(_offset_to(datetime.fromisoformat(os.environ["TEST_CLOCK"])))
    time_machine.travel(_real_time() + float(os.environ[OFFSET_VARIABLE]), tick=True).start()


class Clock:
    """``clock.move_to(datetime(2026, 3, 2, 10, tzinfo=KST))``: this test, and every Python process it starts
    afterwards, runs from that moment on (time keeps ticking). Undone when the test ends."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._travels: list[time_machine.travel] = []

    def move_to(self, moment: datetime) -> None:
        offset = _offset_to(moment)
        travel = time_machine.travel(_real_time() + offset, tick=True)
        travel.start()
        self._travels.append(travel)
        self._monkeypatch.setenv(OFFSET_VARIABLE, str(offset))

    def set_kst(self, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
        moment = datetime(year, month, day, hour, minute, tzinfo=KST)
        self.move_to(moment)
        return moment

    def __call__(self) -> datetime:
        return utcnow()

    def stop(self) -> None:
        while self._travels:
            self._travels.pop().stop()


@pytest.fixture
def clock(monkeypatch) -> Iterator[Clock]:
    moved = Clock(monkeypatch)
    yield moved
    moved.stop()


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'test.db'}"
    url = _with_driver(url)
    _ensure_pg_database(url)
    return url


def _ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL test database if needed and empty its schema."""
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}):
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = sa.create_engine(target, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app_config(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("instance")
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(root),
        "DATABASE_URL": _database_url(root),
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "DEMO_PASSWORD": PASSWORD,
        # Real Argon2id at a test cost: a hash takes about 1 ms instead of about 100 ms, and the suite
        # makes and checks thousands (test_accounts checks that production refuses this cost).
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1,
    }
    migrate_app = create_app(config)
    with migrate_app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        db.engine.dispose()
    return config


def _empty_all_tables(engine: sa.Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))


@pytest.fixture
def app(app_config):
    """The app under test. The test body runs inside a context of a sibling app on the same
    database: a request would otherwise reuse the test's app context and its ``g``."""
    app = create_app(dict(app_config))
    shadow = create_app(dict(app_config))
    shadow.config = app.config  # CLI commands run in the shadow context; config changes reach both
    with shadow.app_context():
        yield app
        db.session.remove()
        _empty_all_tables(db.engine)
        db.engine.dispose()
    # The worker's index files are named by the directory's stamp, which the next test's emptied tables
    # could repeat with other people in them.
    shutil.rmtree(Path(app_config["INSTANCE_PATH"]) / "directory-index", ignore_errors=True)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def job_worker(app):
    """The job worker (``python -m lettering_worker``'s loop) on a thread of this test process, for tests that
    submit console tasks or jobs through the web app and wait for them; stopped when the test ends."""
    from lettering_worker.worker import Worker

    worker = Worker(app.config, concurrency=2)
    thread = threading.Thread(target=worker.run, daemon=True, name="test-job-worker")
    thread.start()
    yield worker
    worker.stop()
    thread.join(60)
    worker.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user: ``make_user("kim", role="admin", display_name="김민준")``."""
    def factory(username: str = "staff1", role: str = "staff", password: str = PASSWORD, **fields):
        user = create_user(db.session, username, password, role, **fields)
        db.session.commit()
        return user
    return factory


@pytest.fixture
def login(client):
    """Sign a test client in through the real form (CSRF is read from the page)."""
    def do_login(username: str, password: str = PASSWORD, test_client=None):
        c = test_client or client
        page = c.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        return c.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return do_login


def wait_db(predicate, seconds: float = 20.0):
    """``predicate()``'s first truthy value, reading the database afresh each time (a worker thread or process
    commits meanwhile); an AssertionError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def statements_of(client, path: str, **kwargs) -> tuple[int, list[str]]:
    """GET ``path`` and the SQL statements the request ran (not transaction control): its status and them.
    Only this thread's count: the test client serves the request here, and a worker or loader thread left by
    an earlier test may query meanwhile. Every engine's, since the app serving it has its own."""
    seen: list[str] = []
    me = threading.get_ident()

    def count(conn, cursor, statement, *args):
        if threading.get_ident() == me and not statement.lstrip().upper().startswith(
                ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            seen.append(statement)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        status = client.get(path, **kwargs).status_code
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return status, seen


def csrf_token_from(html: str) -> str:
    """The token from a page's ``<meta name="csrf-token">``."""
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


class LiveServer:
    def __init__(self, app) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


# --- Real Chromium through Playwright ------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "ko-KR", "timezone_id": "Asia/Seoul"}


@pytest.fixture(scope="session")
def playwright_instance(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    xdg = tmp_path_factory.mktemp("xdg")
    os.environ.setdefault("XDG_CONFIG_HOME", str(xdg / "config"))
    os.environ.setdefault("XDG_CACHE_HOME", str(xdg / "cache"))
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A phone-sized page; CSP is bypassed only so that axe-core can be injected."""
    context = browser.new_context(bypass_csp=True, **PHONE)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot as a test artefact under tests/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA rules) and return violations of the given impacts."""
    page.add_script_tag(path=str(ROOT / "tests" / "vendor" / "axe.min.js"))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]


def browser_login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    # Staff land on the home page, admins and department admins on the console (/admin/).
    page.wait_for_url(lambda url: url in (f"{base_url}/", f"{base_url}/admin/"))
