"""RSS 2.0 boards against the simulator: the first pass, conditional GETs (a 304 costs nothing), edits, the
window (a post leaving it is not deleted) and faults."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.models.board import BoardAttachment, BoardPost
from extensions import db

BOARD = "행사·교육"


@pytest.fixture
def feed(make_feed, saeol):
    return make_feed(name=BOARD, kind="rss", url=saeol.rss_url(BOARD))


def stored() -> dict[str, BoardPost]:
    return {p.external_id: p for p in db.session.scalars(select(BoardPost))}


def test_first_pass_lands_the_board_then_304s_cost_nothing(feed, run_pass, saeol):
    report = run_pass(feed)
    assert report.ok and report.added == 3 and report.rejected == 0
    posts = stored()
    assert set(posts) == {"E-2026-000301", "E-2026-000302", "E-2026-000303"}
    education = posts["E-2026-000301"]
    assert education.board == BOARD and education.author == "윤서아" and education.department_name == "교육협력과"
    assert "1월 31일" in education.body_text and not education.important
    attachment = db.session.scalar(select(BoardAttachment))
    assert attachment.filename == "F-3001.pdf" and attachment.url == f"{saeol.files_url}/F-3001" and attachment.size > 0
    db.session.refresh(feed)
    assert feed.etag.startswith('"') and feed.last_modified.endswith("GMT")
    again = run_pass(feed)
    assert again.ok and again.not_modified and (again.added, again.updated) == (0, 0)
    last = saeol.requests(f"/saeol/rss/{BOARD}")[-1]
    assert last["answer"] == 304 and last["if_none_match"] == feed.etag
    feed.etag = ""                                    # Last-Modified alone is enough
    db.session.commit()
    assert run_pass(feed).not_modified
    assert saeol.requests(f"/saeol/rss/{BOARD}")[-1]["if_modified_since"] == feed.last_modified


def test_an_edit_replaces_and_an_unchanged_copy_changes_nothing(feed, run_pass, saeol):
    run_pass(feed)
    saeol.post(id="E-2026-000302", title="고양 호수공원 겨울 빛 축제 자원봉사자 모집(마감 연장)")
    report = run_pass(feed)
    assert (report.added, report.updated, report.not_modified) == (0, 1, False)
    assert stored()["E-2026-000302"].title.endswith("(마감 연장)")
    saeol.post(id="E-2026-000302")                   # a new change number, the same content
    quiet = run_pass(feed)
    assert not quiet.not_modified and (quiet.added, quiet.updated) == (0, 0)


def test_posts_leaving_the_window_or_deleted_at_the_source_are_not_deleted(feed, run_pass, saeol):
    saeol.configure(rss_window=3)
    run_pass(feed)
    saeol.post(id="E-2026-000399", board=BOARD, title="새 교육 안내", body_html="<p>새 교육</p>", author="윤서아")
    saeol.post(action="delete", id="E-2026-000303")
    report = run_pass(feed)
    assert report.added == 1 and report.deleted == 0
    assert db.session.scalar(select(func.count(BoardPost.id))) == 4


@pytest.mark.parametrize(("fault", "error"), [({"fail_next": 1}, "HTTP 503"),
                                              ({"invalid_json_next": 1}, "the answer is not RSS")])
def test_a_failing_rss_board_fails_the_pass(feed, run_pass, saeol, fault, error):
    saeol.configure(**fault)
    report = run_pass(feed)
    assert not report.ok and report.error.startswith(error)
    db.session.refresh(feed)
    assert feed.failures == 1 and feed.etag == "" and db.session.scalar(select(func.count(BoardPost.id))) == 0
    assert run_pass(feed).added == 3


def test_a_page_that_is_not_rss_is_refused(make_feed, run_pass, saeol):
    feed = make_feed(name="잘못된 주소", kind="rss", url=f"{saeol.url}/_sim/config")
    report = run_pass(feed)
    assert not report.ok and "not RSS" in report.error
