"""Attachments: fetched only from SAEOL_FILES_URL's host and within the size limit, then viewer documents with
the post's audience; the sync and the downloads run through the real job runtime."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from core import jobs
from core.board import attachments, sync
from core.models.board import BoardAttachment, BoardPost, BoardPostAudience
from core.models.documents import Document
from core.models.jobs import Job
from core.models.organization import Department
from core.timeutil import utcnow
from extensions import db


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


def attachment_of(external_post_id: str) -> BoardAttachment:
    post = db.session.scalar(select(BoardPost).where(BoardPost.external_id == external_post_id))
    return post.attachments[0]


def post_with_file(saeol, post_id: str = "B-2026-000700", **file) -> None:
    saeol.post(id=post_id, board="공지사항", title="붙임 문서 안내", body_html="<p>붙임 참고</p>",
               attachments=[{"id": f"F-{post_id}", "filename": "안내문.pdf", **file}])


def test_sync_job_and_downloads_through_the_runtime_make_viewer_documents(board_settings, job_worker, make_feed,
                                                                        saeol):
    feed = make_feed(url=saeol.feed_url)
    jobs.enqueue(db.session, "board.sync", {"feed_id": feed.id})
    db.session.commit()
    ready = wait_for(lambda: [a for a in db.session.scalars(select(BoardAttachment)) if a.document_id] or None)
    wait_for(lambda: len(db.session.scalars(select(BoardAttachment).where(
        BoardAttachment.document_id.is_not(None))).all()) == 3)
    documents = wait_for(lambda: (docs := db.session.scalars(select(Document)).all())
                         and all(d.status == "ready" for d in docs) and docs)
    assert len(documents) == 3 and {d.source for d in documents} == {"board"}
    assert all(d.page_count >= 1 and [s.scope for s in d.shares] == ["all"] for d in documents)
    names = {d.original_name for d in documents}
    assert "2026년_상반기_정기인사_명단.pdf" in names and ready[0].state == "ready"
    db.session.refresh(feed)
    assert feed.last_success_at is not None and db.session.query(BoardPost).count() == 6


def test_periodic_sync_takes_only_due_feeds(board_settings, make_feed, saeol):
    due = make_feed(url=saeol.feed_url)
    later = make_feed(name="나중", url=saeol.feed_url, next_attempt_at=utcnow() + timedelta(hours=1))
    off = make_feed(name="꺼짐", url=saeol.feed_url, enabled=False)
    with sync.build_client(board_settings) as client:
        reports = sync.sync_due(db.session, board_settings, client)
    assert [r.feed_id for r in reports] == [due.id]
    assert later.id not in sync.due_feed_ids(db.session) and off.id not in sync.due_feed_ids(db.session)


def test_a_foreign_host_is_refused_and_logged(board_settings, make_feed, run_pass, saeol, caplog, monkeypatch):
    feed = make_feed(url=saeol.feed_url)
    run_pass(feed)
    foreign = saeol.files_url.replace("127.0.0.1", "localhost")       # the same server under another name
    post_with_file(saeol, url=f"{foreign}/F-1001")
    post_with_file(saeol, "B-2026-000701", url="http://169.254.169.254/latest/meta-data")
    monkeypatch.setattr(attachments.log, "disabled", False)    # Alembic's fileConfig disables loggers it meets
    caplog.set_level(logging.WARNING, logger="core.board.attachments")
    queued_before = db.session.query(Job).filter(Job.kind == attachments.JOB_KIND).count()
    run_pass(feed)
    for post_id in ("B-2026-000700", "B-2026-000701"):
        attachment = attachment_of(post_id)
        assert attachment.state == "refused" and "다른 호스트" in attachment.error
    assert db.session.query(Job).filter(Job.kind == attachments.JOB_KIND).count() == queued_before
    assert "169.254.169.254" in caplog.text and "not on the Saeol file host" in caplog.text
    attachment = attachment_of("B-2026-000700")     # and the job itself checks again
    attachment.state = "pending"
    db.session.commit()
    with sync.build_client(board_settings) as client:
        assert attachments.fetch(db.session, client, board_settings, attachment.id) == "refused"
    assert not [r for r in saeol.requests() if r["path"].startswith("/saeol/files/")]


@pytest.mark.parametrize(("origin", "ok"), [
    ("http://127.0.0.1:{port}/saeol/files/F-1", True), ("http://127.0.0.1:{port}/other/path", True),
    ("https://127.0.0.1:{port}/saeol/files/F-1", False), ("http://127.0.0.1:1/saeol/files/F-1", False),
    ("http://127.0.0.1.evil.example:{port}/f", False), ("http://user@evil.example/f", False),
    ("http://127.0.0.1:99999999/f", False), ("file:///etc/passwd", False), ("", False), ("http://[::1", False),
    ("http://127.0.0.1:x/f", False),
])
def test_the_host_rule(origin, ok):
    files = "http://127.0.0.1:5083/saeol/files"
    assert attachments.allowed(origin.format(port=5083), files) is ok


def test_the_size_limit_declared_and_streamed(board_settings, make_feed, run_pass, saeol):
    board_settings["BOARD_ATTACHMENT_MAX_BYTES"] = 20_000
    feed = make_feed(url=saeol.feed_url)
    post_with_file(saeol, pad=30_000)                                 # declares its true size
    post_with_file(saeol, "B-2026-000701", pad=30_000, size=100)        # lies about it
    run_pass(feed)
    assert attachment_of("B-2026-000700").state == "refused"
    liar = attachment_of("B-2026-000701")
    assert liar.state == "pending"
    with sync.build_client(board_settings) as client:
        assert attachments.fetch(db.session, client, board_settings, liar.id) == "refused"
    assert "MB" in liar.error and liar.document_id is None and db.session.query(Document).count() == 0


def test_the_document_gets_the_posts_audience_and_goes_with_the_post(board_settings, make_feed, run_pass, saeol):
    department = Department(organization="고양특례시", name="총무과", search_key="총무")
    db.session.add(department)
    feed = make_feed(url=saeol.feed_url)
    post_with_file(saeol)
    run_pass(feed)
    attachment = attachment_of("B-2026-000700")
    post = attachment.post
    post.audience_rows.clear()                                        # narrowed in the console
    post.audience_rows.append(BoardPostAudience(scope="department", department_id=department.id))
    db.session.commit()
    with sync.build_client(board_settings) as client:
        assert attachments.fetch(db.session, client, board_settings, attachment.id) == "ready"
    document = db.session.get(Document, attachment.document_id)
    assert document.source == "board" and document.status == "converting" and document.title.startswith("붙임")
    assert [(s.scope, s.department_id) for s in document.shares] == [("department", department.id)]
    queued = db.session.scalars(select(Job.payload).where(Job.kind == "tasks.run")).all()
    assert len(queued) == 1
    saeol.post(action="delete", id="B-2026-000700")
    assert run_pass(feed).deleted == 1
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "revoked"
    assert db.session.get(BoardAttachment, attachment.id) is None


def test_a_missing_file_fails_and_an_unreachable_host_retries(board_settings, make_feed, run_pass, saeol):
    feed = make_feed(url=saeol.feed_url)
    post_with_file(saeol)
    run_pass(feed)
    attachment = attachment_of("B-2026-000700")
    attachment.url = f"{saeol.files_url}/F-none"
    db.session.commit()
    with sync.build_client(board_settings) as client:
        assert attachments.fetch(db.session, client, board_settings, attachment.id) == "failed"
        assert attachment.error == "HTTP 404"
        attachment.state = "pending"
        db.session.commit()
        board_settings["SAEOL_FILES_URL"] = "http://127.0.0.1:9/saeol/files"
        attachment.url = "http://127.0.0.1:9/saeol/files/F-1"
        with pytest.raises(jobs.TransientError):
            attachments.fetch(db.session, client, board_settings, attachment.id)
    attachments.gave_up(db.session, attachment.id, "ConnectError")
    assert attachment.state == "failed" and "ConnectError" in attachment.error
    assert httpx.get(f"{saeol.files_url}/F-B-2026-000700", timeout=10).content.startswith(b"%PDF")
