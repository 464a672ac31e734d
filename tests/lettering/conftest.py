"""Fixtures for the machine side of Smart Lettering: the real provider simulators on free loopback ports,
a real worker on the test database, signed PBX requests, and numbers the simulators treat a known way."""
from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from core.lettering import ingest
from core.models.calls import Call
from core.models.jobs import Job
from core.models.lettering import AlimTalkTemplate, Campaign, Line
from core.models.organization import Department
from core.phone import normalize
from core.timeutil import KST, utcnow
from extensions import db
from lettering_worker.simulators import SimConfig, Simulator, device_status, serve, uses_kakao
from lettering_worker.worker import Worker

TEMPLATE_BODY = ("[#{기관명}] #{부서명}에서 #{발신번호}로 전화드렸습니다.\n#{안내문구}\n"
                 "공식 번호인지 아래 '기관 확인'으로 확인하실 수 있습니다.")


class Sim:
    """A running simulator pair with helpers to read what reached it."""

    def __init__(self, app_config: dict, report_to: str = "", **overrides: Any) -> None:
        config = SimConfig(carrier_api_key=app_config["CARRIER_API_KEY"],
                           carrier_receipt_secret=app_config["CARRIER_RECEIPT_SECRET"],
                           kakao_app_key=app_config["KAKAO_APP_KEY"], kakao_secret_key=app_config["KAKAO_SECRET_KEY"],
                           kakao_sender_key=app_config["KAKAO_SENDER_KEY"],
                           kakao_report_secret=app_config["KAKAO_REPORT_SECRET"], report_to=report_to,
                           latency_ms=0, report_delay_ms=20, **overrides)
        self.state = Simulator(config)
        self.carrier, self.kakao = serve(self.state, "127.0.0.1", 0, 0)
        self.carrier_url = f"http://127.0.0.1:{self.carrier.server_port}"
        self.kakao_url = f"http://127.0.0.1:{self.kakao.server_port}"

    def requests(self, service: str = "carrier", kind: str | None = None) -> list[dict]:
        """Read the request log over HTTP, as an outside test harness would."""
        url = self.carrier_url if service == "carrier" else self.kakao_url
        items = httpx.get(f"{url}/_sim/requests", timeout=10).json()["requests"]
        return [r for r in items if kind is None or r["kind"] == kind]

    def reports(self) -> list[dict]:
        return httpx.get(f"{self.carrier_url}/_sim/reports", timeout=10).json()["reports"]

    def configure(self, **changes: Any) -> None:
        httpx.post(f"{self.carrier_url}/_sim/config", json=changes, timeout=10).raise_for_status()

    def close(self) -> None:
        self.carrier.shutdown()
        self.kakao.shutdown()


@pytest.fixture
def sim(app) -> Iterator[Sim]:
    simulator = Sim(app.config)
    yield simulator
    simulator.close()


@pytest.fixture
def settings(app, sim) -> dict:
    """The app's settings pointed at the simulators, as the worker would load them."""
    values = dict(app.config)
    values.update(CARRIER_BASE_URL=sim.carrier_url, KAKAO_BASE_URL=sim.kakao_url)
    return values


DAYTIME = datetime(2026, 3, 2, 10, 0, tzinfo=KST)  # a Monday morning, outside the quiet hours


@pytest.fixture
def clock(clock):
    """The tests' clock (tests/conftest.py), at a weekday morning unless a test moves it (quiet hours are
    about the hour)."""
    clock.move_to(DAYTIME)
    return clock


@pytest.fixture
def make_worker(settings, clock) -> Iterator[Callable[..., Worker]]:
    """Workers in this process, so on the tests' clock (a weekday morning unless the test moves it)."""
    workers: list[Worker] = []

    def factory(**overrides: Any) -> Worker:
        values = {**settings, **overrides}
        worker = Worker(values, concurrency=4)
        workers.append(worker)
        return worker

    yield factory
    for worker in workers:
        worker.engine.dispose()


@pytest.fixture
def drain(make_worker) -> Callable[..., int]:
    """Run a worker (by default one with the test settings) until no job is queued to run within
    ``horizon`` seconds: jobs waiting for another job are deferred by fractions of a second, while
    held AlimTalks wait for the morning and retries back off for longer."""
    default: list[Worker] = []

    def run(worker: Worker | None = None, horizon: float = 2.0, rounds: int = 200) -> int:
        if worker is None:
            default or default.append(make_worker())
            worker = default[0]
        for _ in range(rounds):
            worker.run(once=True)
            soon = db.session.scalar(select(Job.id).where(
                Job.status.in_(("queued", "running")),
                Job.run_at <= utcnow() + timedelta(seconds=horizon)).limit(1))
            db.session.rollback()
            if soon is None:
                return worker.processed
            time.sleep(0.05)
        raise AssertionError("the queue did not drain")

    return run


def make_due(kind: str) -> None:
    """Bring a scheduled job forward to now (the clock moved to the morning, or a backoff is over)."""
    db.session.execute(update(Job).where(Job.kind == kind, Job.status == "queued").values(run_at=utcnow()))
    db.session.commit()


_counter = itertools.count(1)


def number_where(predicate: Callable[[str], bool], start: int = 0) -> str:
    """A mobile number (010-xxxx-xxxx) for which ``predicate(e164)`` holds."""
    for i in itertools.count(start):
        raw = f"010-{2000 + i // 10000:04d}-{i % 10000:04d}"
        if predicate(normalize(raw)):
            return raw
    raise AssertionError("unreachable")


def supported_number(start: int = 0) -> str:
    return number_where(lambda n: device_status(n) == "accepted", start)


def iphone_number(start: int = 0, kakao: bool = True) -> str:
    return number_where(lambda n: device_status(n) == "unsupported_device"
                        and uses_kakao("0" + n[3:]) == kakao, start)


@pytest.fixture
def line(app) -> Line:
    dept = Department(organization="고양특례시", name="교통정책과", search_key="교통정책")
    db.session.add(dept)
    db.session.flush()
    row = Line(number="+823180751234", extension="1234", department_id=dept.id, institution="고양특례시",
               department_name="교통정책과", message="버스 노선 개편 안내 전화입니다")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def template(app) -> AlimTalkTemplate:
    row = AlimTalkTemplate(code="GY_MISSED_CALL", name="부재중 안내", body=TEMPLATE_BODY,
                           buttons=[{"name": "기관 확인", "kind": "verify"}, {"name": "안내 보기", "kind": "campaign"},
                                    {"name": "수신 거부", "kind": "optout"}], status="approved")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def campaign(app) -> Campaign:
    row = Campaign(token="AbC123", title="2026 고양 버스 노선 개편", image_urls=["/static/img/card1.png"],
                   links=[{"title": "노선도", "url": "https://www.goyang.go.kr/bus"}])
    db.session.add(row)
    db.session.commit()
    return row


def event(call_id: str, kind: str, peer: str = "010-1234-5678", line: str = "031-8075-1234",
          at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    return {"event_id": f"{call_id}-{kind}-{next(_counter)}", "call_id": call_id, "type": kind, "line": line,
            "peer": peer, "at": (at or utcnow()).isoformat(), **extra}


@pytest.fixture
def post_events(client, app) -> Callable[..., Any]:
    """POST events to /api/pbx/events, signed like a PBX (``body`` may be given raw)."""
    def send(events: list[dict] | dict | None = None, body: bytes | None = None, secret: str | None = None,
             timestamp: int | None = None):
        if body is None:
            payload = events if isinstance(events, dict) else {"events": events}
            body = json.dumps(payload, ensure_ascii=False).encode()
        headers = ingest.sign(secret or app.config["PBX_WEBHOOK_SECRET"], body, timestamp)
        return client.post("/api/pbx/events", data=body, headers=headers)
    return send


def call_row(call_id: str) -> Call:
    db.session.rollback()
    return db.session.scalar(select(Call).where(Call.call_id == call_id))
