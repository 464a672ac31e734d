"""Fixtures for the human side of Smart Lettering: departments, lines, a campaign, calls."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.lettering.lines_import import department_search_key
from core.models.calls import Call
from core.models.lettering import Campaign, Line
from core.models.organization import Department
from core.phone import mask
from core.privacy import phone_hash
from core.timeutil import utcnow
from extensions import db


@pytest.fixture
def departments(app):
    made = {}
    for parent, name in (("교통국", "대중교통과"), ("재정국", "세정과")):
        made[name] = Department(organization="고양특례시", parent=parent, name=name,
                                search_key=department_search_key(name))
        db.session.add(made[name])
    db.session.commit()
    return made


@pytest.fixture
def lines(departments):
    rows = [
        Line(number="+823180759571", extension="3005", department_id=departments["대중교통과"].id,
             institution="고양특례시", department_name="대중교통과", message="버스·택시 민원 안내 전화입니다"),
        Line(number="+823180757159", extension="3017", department_id=departments["세정과"].id,
             institution="고양특례시", department_name="세정과", message="지방세 관련 안내 전화입니다"),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


@pytest.fixture
def campaign(app):
    now = utcnow()
    item = Campaign(token="bus2026", title="2026 고양 버스 노선 개편", summary="노선이 바뀝니다.",
                    image_urls=["http://127.0.0.1:5000/static/demo/card-news-1.png",
                                "https://cdn.example.org/card2.png"],
                    youtube_id="M7lc1UVf-VE",
                    links=[{"title": "고양특례시 누리집", "url": "https://www.goyang.go.kr/"},
                           {"title": "경기도 버스정보", "url": "https://www.gbis.go.kr/"},
                           {"title": "나쁜 링크", "url": "javascript:alert(1)"}],
                    starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def make_call(app):
    """Store a call as the engine would: ``make_call(line, "010-1234-5678", lettering_status=...)``."""
    counter = iter(range(1, 10_000))

    def factory(line: Line, peer: str = "+821012345678", **fields) -> Call:
        n = next(counter)
        at = fields.pop("dialed_at", utcnow())
        call = Call(call_id=f"c-test-{n:05d}", line_id=line.id, department_id=line.department_id,
                    line_number=line.number, peer_hash=phone_hash(peer, app.config["PHONE_HASH_KEY"]),
                    peer_masked=mask(peer), dialed_at=at, created_at=fields.pop("created_at", at), **fields)
        db.session.add(call)
        db.session.commit()
        return call
    return factory
