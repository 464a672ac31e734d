"""The Saeol JSON feed (PROTOCOLS.md §4) against the simulator: the first pass, the cursor, replace and delete,
unchanged edits (no second push), faults with backoff while good items land, and the item validator under
random input."""
from __future__ import annotations

import json
import random
import string
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audience import Audience
from core.board.feed import FeedError, FeedItem, parse_items, parse_page, validate_item
from core.board.sync import BACKOFF_BASE_SECONDS, due_feed_ids
from core.models.board import BoardAttachment, BoardPost
from core.models.jobs import Job
from core.models.push import PushMessage
from core.timeutil import as_utc, utcnow
from extensions import db


def posts() -> dict[str, BoardPost]:
    return {p.external_id: p for p in db.session.scalars(select(BoardPost))}


def pushes() -> int:
    return db.session.scalar(select(func.count(PushMessage.id)))


@pytest.fixture
def feed(make_feed, saeol):
    return make_feed(url=saeol.feed_url)


def test_first_pass_lands_the_json_boards_sanitised_with_the_cursor(feed, run_pass, saeol):
    report = run_pass(feed)
    assert report.ok and report.error == ""
    stored = posts()
    # 공지사항 and 인사발령 come by JSON; 행사·교육 publishes only RSS; the deleted notice never lands.
    assert {p.board for p in stored.values()} == {"공지사항", "인사발령"}
    assert "B-2026-000105" not in stored
    assert report.added == len(stored) == 6 and report.deleted == 0 and report.rejected == 0
    edited = stored["B-2026-000102"]
    assert "다음 날 01:00" in edited.body_html and "다음 날 01:00" in edited.body_text
    cold = stored["B-2026-000103"]
    assert "example.com" not in cold.body_html and "[한파 행동요령 그림]" in cold.body_html   # external image dropped
    assert Audience.from_rows(cold.audience_rows) == Audience.everyone()
    assert cold.department_name == "재난안전과" and cold.important
    assert [a.filename for a in stored["B-2026-000201"].attachments] == ["2026년_상반기_정기인사_명단.pdf"]
    db.session.refresh(feed)
    assert feed.cursor and feed.last_success_at and feed.failures == 0 and feed.added == 6
    assert as_utc(feed.next_attempt_at) > utcnow() + timedelta(seconds=50)
    assert feed.newest_item_at is not None and report.lag_seconds is not None
    feed_requests = saeol.requests("/saeol/feed")
    assert feed_requests[0]["query"] == "since=" and feed_requests[-1]["items"] == []


def test_the_cursor_asks_only_for_changes(feed, run_pass, saeol):
    run_pass(feed)
    cursor = db.session.get(type(feed), feed.id).cursor
    again = run_pass(feed)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert saeol.requests("/saeol/feed")[-1]["query"] == f"since={cursor}"
    saeol.post(id="B-2026-000900", board="공지사항", title="새 공지", body_html="<p>본문</p>", author="홍길동",
               department="총무과")
    third = run_pass(feed)
    assert third.added == 1 and saeol.requests("/saeol/feed")[-2]["items"] == ["B-2026-000900"]


def test_nul_characters_never_reach_the_database(feed, run_pass, saeol):
    saeol.post(id="B-2026-000990", board="공지사항", title="널\x00문자", body_html="<p>본\x00문</p>",
               author="홍\x00길동")
    report = run_pass(feed)
    assert report.ok and report.added == 7
    post = posts()["B-2026-000990"]
    assert (post.title, post.body_text, post.author) == ("널문자", "본문", "홍길동")


def test_paging_follows_next_cursor_until_nothing_is_new(feed, run_pass, saeol):
    saeol.configure(page_size=2)
    report = run_pass(feed)
    assert report.added == 6
    # six posts and the deleted notice: 2 + 2 + 2 + 1 items, then an empty page
    assert [len(r["items"]) for r in saeol.requests("/saeol/feed")] == [2, 2, 2, 1, 0]


def test_replace_and_delete(feed, run_pass, saeol):
    run_pass(feed)
    saeol.post(id="B-2026-000104", title="구내식당 운영 시간 변경 안내(정정)", body_html="<p>11:00~13:30</p>")
    saeol.post(action="delete", id="B-2026-000202")
    report = run_pass(feed)
    assert (report.added, report.updated, report.deleted) == (0, 1, 1)
    stored = posts()
    assert "B-2026-000202" not in stored
    assert stored["B-2026-000104"].title.endswith("(정정)") and stored["B-2026-000104"].body_text == "11:00~13:30"
    assert db.session.scalar(select(func.count(BoardPost.id))) == 5


def test_an_unchanged_edit_changes_nothing_and_pushes_nothing_again(feed, run_pass, saeol):
    saeol.post(id="B-2026-000950", board="공지사항", title="[긴급] 정전 안내", body_html="<p>오늘 14시 정전</p>",
               important=True, author="홍길동", department="총무과")
    first = run_pass(feed)
    assert first.pushed == 1 and pushes() == 1
    post = posts()["B-2026-000950"]
    message = db.session.get(PushMessage, post.push_message_id)
    assert message.url == f"/board/{post.id}" and message.topic == f"board-{post.id}" and message.source == "board"
    assert message.title == "[긴급] 정전 안내" and message.urgency == "normal" and message.audience["all"] is True
    assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == "push.fanout")) == 1
    before = (post.content_hash, post.updated_at, post.pushed_at)
    saeol.post(id="B-2026-000950", title="[긴급] 정전 안내")      # re-sent with a new updated_at only
    second = run_pass(feed)
    assert (second.added, second.updated, second.pushed) == (0, 0, 0) and pushes() == 1
    db.session.expire_all()
    post = posts()["B-2026-000950"]
    assert (post.content_hash, post.updated_at, post.pushed_at) == before
    saeol.post(id="B-2026-000950", body_html="<p>오늘 15시로 변경</p>")   # a real change pushes again
    third = run_pass(feed)
    assert third.updated == 1 and third.pushed == 1 and pushes() == 2


def test_history_and_unimportant_posts_do_not_push(feed, run_pass, saeol, make_feed):
    report = run_pass(feed)        # the seed's important notices are more than a day old
    assert report.pushed == 0 and pushes() == 0
    quiet = make_feed(name="조용한 피드", url=saeol.feed_url, push_important=False)
    saeol.post(id="B-2026-000960", board="공지사항", title="중요", body_html="<p>x</p>", important=True)
    assert run_pass(quiet).pushed == 0 and pushes() == 0
    saeol.post(id="B-2026-000961", board="공지사항", title="보통", body_html="<p>x</p>")
    assert run_pass(feed).pushed == 1 and pushes() == 1     # only B-2026-000960 (important, new to this feed)


@pytest.mark.parametrize("fault", [{"fail_next": 1}, {"invalid_json_next": 1}, {"slow_seconds": 4}])
def test_a_failing_feed_backs_off_and_recovers(feed, run_pass, saeol, fault):
    saeol.configure(**fault)
    report = run_pass(feed)
    assert not report.ok and report.added == 0
    assert report.error in ("HTTP 503", "the answer is not JSON", "timed out")
    db.session.refresh(feed)
    assert feed.failures == 1 and feed.last_error == report.error and feed.last_error_at and not feed.cursor
    assert feed.last_success_at is None and db.session.scalar(select(func.count(BoardPost.id))) == 0
    wait = (as_utc(feed.next_attempt_at) - utcnow()).total_seconds()
    assert BACKOFF_BASE_SECONDS - 5 < wait <= BACKOFF_BASE_SECONDS
    assert feed.id not in due_feed_ids(db.session)
    saeol.configure(slow_seconds=0, fail_next=1)
    run_pass(feed)
    db.session.refresh(feed)
    assert feed.failures == 2
    assert (as_utc(feed.next_attempt_at) - utcnow()).total_seconds() > 2 * BACKOFF_BASE_SECONDS - 5
    assert feed.id in due_feed_ids(db.session, utcnow() + timedelta(seconds=2 * BACKOFF_BASE_SECONDS + 1))
    recovered = run_pass(feed)
    db.session.refresh(feed)
    assert recovered.ok and recovered.added == 6 and feed.failures == 0 and feed.last_error == "HTTP 503"


def test_a_refused_token_is_a_failure(feed, run_pass, board_settings):
    board_settings["SAEOL_TOKEN"] = "wrong"
    report = run_pass(feed)
    assert not report.ok and report.error == "HTTP 401"


def test_a_malformed_item_is_rejected_and_the_good_items_land(feed, run_pass, saeol):
    saeol.configure(malformed_next=1)
    report = run_pass(feed)
    assert report.ok and report.rejected == 1 and report.added == 6
    db.session.refresh(feed)
    assert feed.rejected == 1 and feed.failures == 0


def test_attachments_are_recorded_and_queued(feed, run_pass):
    run_pass(feed)
    attachments = db.session.scalars(select(BoardAttachment)).all()
    assert len(attachments) == 3 and {a.state for a in attachments} == {"pending"}
    queued = db.session.scalars(select(Job.payload).where(Job.kind == "board.attachment")).all()
    assert sorted(p["attachment_id"] for p in queued) == sorted(a.id for a in attachments)


# --- the validator ---------------------------------------------------------------------------

GOOD = {"id": "B-1", "board": "공지사항", "title": "제목", "body_html": "<p>본문<script>x</script></p>",
        "author": "홍길동", "department": "총무과", "posted_at": "2026-03-02T09:00:00+09:00",
        "updated_at": "2026-03-02T09:30:00+09:00", "important": True,
        "attachments": [{"id": "F-1", "filename": "a.pdf", "content_type": "application/pdf", "size": 10,
                         "url": "http://127.0.0.1/saeol/files/F-1"}]}


def test_a_good_item_is_sanitised_and_a_deleted_item_needs_only_its_id():
    item = validate_item(GOOD)
    assert item.body_html == "<p>본문</p>" and item.important and item.posted_at.utcoffset() == timedelta(0)
    assert item.content_hash == validate_item({**GOOD, "updated_at": "2026-03-03T00:00:00+09:00"}).content_hash
    assert item.content_hash != validate_item({**GOOD, "title": "다른 제목"}).content_hash
    assert validate_item({"id": "B-1", "deleted": True}).deleted


@pytest.mark.parametrize("change", [
    {"id": 5}, {"id": ""}, {"id": "x" * 200}, {"title": None}, {"title": "  "}, {"board": ""},
    {"posted_at": "어제"}, {"posted_at": "2026-03-02T09:00:00"}, {"important": "yes"}, {"deleted": "true"},
    {"attachments": "F-1"}, {"attachments": [{"id": "F-1", "filename": "a.pdf", "url": "file:///etc/passwd"}]},
    {"attachments": [{"id": "F-1", "filename": "a.pdf", "url": "http://h/f", "size": -1}]},
    {"attachments": [{"id": "F-1", "filename": "a.pdf", "url": "http://h/f", "size": True}]},
    {"body_html": ["<p>"]}, {"body_html": "<p>a</p>" * 40_000}, {"title": "제목\ud800"},
    {"body_html": "<p>\udfff</p>"}, {"attachments": [{"id": "F-\ud800", "filename": "a.pdf", "url": "http://h/f"}]},
])
def test_bad_items_are_rejected_with_a_reason(change):
    items, rejected = parse_items([{**GOOD, **change}, GOOD])
    assert len(items) == 1 and len(rejected) == 1 and rejected[0]


def _random_value(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "float", "bool", "none", "list", "dict", "date", "huge"]
    kind = rng.choice(kinds if depth < 3 else kinds[:5])
    if kind == "str":
        return "".join(rng.choice(string.printable + "가나다\x00\ud800") for _ in range(rng.randint(0, 30)))
    if kind == "int":
        return rng.choice([0, -1, 2 ** 64, rng.randint(-10, 10 ** 6)])
    if kind == "float":
        return rng.choice([float("nan"), float("inf"), 1e308, rng.random()])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "date":
        return rng.choice(["2026-03-02T09:00:00+09:00", "2026-13-40T99:00:00+09:00", "9999-12-31T23:59:59-23:59"])
    if kind == "huge":
        return "가" * rng.choice([301, 70, 100_001])
    return {rng.choice([*GOOD, "deleted", "x"]): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_fuzzed_items_never_raise():
    rng = random.Random(9)
    fields = [*GOOD, "deleted"]
    raws = []
    for _ in range(3000):
        raw = dict(GOOD) if rng.random() < 0.7 else {}
        for name in rng.sample(fields, rng.randint(1, 4)):
            raw[name] = _random_value(rng)
        raws.append(raw if rng.random() < 0.95 else _random_value(rng))
    items, rejected = parse_items(raws)
    assert len(items) + len(rejected) == len(raws) and items and rejected
    assert all(isinstance(i, FeedItem) and i.external_id and len(i.title) <= 300 for i in items)
    for raw in (b"", b"null", b"[]", b'{"items": {}}', b'{"items": [], "next_cursor": 5}', b"\xff\xfe",
                json.dumps({"items": [1, None, "x"], "next_cursor": "c"}).encode(), b"[" * 100_000):
        try:   # only the documented refusal may escape
            page = parse_page(raw)
            assert page.rejected == ["?: an item must be an object"] * 3
        except FeedError:
            pass


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/saeol/feed", "http://bad host/feed", "http://127.0.0.1:0/x"])
def test_an_unreachable_or_odd_address_is_a_failed_pass(make_feed, run_pass, url):
    report = run_pass(make_feed(url=url))
    assert not report.ok and report.error
