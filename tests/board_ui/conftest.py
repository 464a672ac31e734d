"""Fixtures for the staff's board and the console's post writing: two departments, their people, and posts
written straight into the tables (as the Saeol sync or the console would leave them)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.audience import Audience
from core.board import html
from core.models.board import BoardPost, BoardPostAudience
from core.models.organization import Department
from core.timeutil import as_utc, utcnow
from extensions import db


@pytest.fixture
def departments(app) -> dict[str, Department]:
    rows = {name: Department(organization="고양특례시", name=name, search_key=name[:-1])
            for name in ("교통정책과", "세정과")}
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


@pytest.fixture
def reader(make_user, departments):
    return make_user("reader", display_name="김민준", department_id=departments["교통정책과"].id)


@pytest.fixture
def other(make_user, departments):
    return make_user("other", display_name="이서연", department_id=departments["세정과"].id)


@pytest.fixture
def add_post(app):
    """``add_post("제목", body="<p>…</p>", audience=Audience.of(departments=[1]), posted=..., board=...)``."""
    counter = {"n": 0}

    def add(title: str, *, body: str = "<p>본문</p>", board: str = "공지사항", audience: Audience | None = None,
            posted: datetime | None = None, important: bool = False, display_from: datetime | None = None,
            display_until: datetime | None = None, feed_id: int | None = None, **fields) -> BoardPost:
        counter["n"] += 1
        # UTC, as the application stores every time (SQLite keeps the wall clock of whatever it is given).
        display_from, display_until = (as_utc(t) if t else None for t in (display_from, display_until))
        clean = html.sanitize(body)
        post = BoardPost(board=board, title=title, body_html=clean, body_text=html.to_text(clean),
                         author=fields.pop("author", "홍길동"), department_name=fields.pop("department_name", "총무과"),
                         important=important,
                         posted_at=as_utc(posted) if posted else utcnow() - timedelta(minutes=counter["n"]),
                         display_from=display_from, display_until=display_until, feed_id=feed_id, **fields)
        db.session.add(post)
        db.session.flush()
        for scope, member in (audience or Audience.everyone()).rows():
            db.session.add(BoardPostAudience.build(scope, member, post_id=post.id))
        db.session.commit()
        return post
    return add
