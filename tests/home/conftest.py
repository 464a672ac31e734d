"""Fixtures for 홈: a person in a department, posts for them, people they starred."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.models.board import BoardPost, BoardPostAudience
from core.models.directory import Favourite
from core.models.organization import Department, Person
from extensions import db


@pytest.fixture
def department(app) -> Department:
    row = Department(organization="고양특례시", name="교통정책과", search_key="교통정책")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def kim(make_user, department):
    return make_user("kim", display_name="김민준", department_id=department.id)


@pytest.fixture
def add_posts(app):
    """``add_posts(n, now)``: n posts for all staff, the newest at ``now``, one an hour before the other."""
    def add(count: int, now, *, important_every: int = 0) -> list[BoardPost]:
        posts = []
        for i in range(count):
            post = BoardPost(board="공지사항", title=f"공지 {i:02d}", posted_at=now - timedelta(hours=i),
                             important=bool(important_every and i % important_every == 0))
            post.audience_rows = [BoardPostAudience(scope="all")]
            db.session.add(post)
            posts.append(post)
        db.session.commit()
        return posts
    return add


@pytest.fixture
def add_favourites(department):
    def add(user, count: int) -> list[Person]:
        people = [Person(name=f"이{i:02d}", title="주무관", department_id=department.id,
                         phone=f"+82318075{1000 + i}") for i in range(count)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(Favourite(user_id=user.id, person_id=p.id) for p in people)
        db.session.commit()
        return people
    return add
