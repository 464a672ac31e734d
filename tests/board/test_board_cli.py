"""``flask --app app board sync [--board NAME]``: one pass now, the per-feed report, the default feed."""
from __future__ import annotations

from sqlalchemy import select

from core.models.board import BoardFeed, BoardPost
from extensions import db


def test_sync_makes_the_default_feed_and_prints_the_report(runner, board_settings, saeol):
    result = runner.invoke(args=["board", "sync"])
    assert result.exit_code == 0, result.output
    assert f"기본 피드를 만들었습니다: 새올 ({saeol.feed_url})" in result.output
    assert "새올 (json): 성공 · 추가 6 · 수정 0 · 삭제 0 · 거부 0 · 알림 0 · 지연 0초" in result.output
    feed = db.session.scalar(select(BoardFeed))
    assert (feed.name, feed.kind, feed.url, feed.push_important) == ("새올", "json", saeol.feed_url, True)
    again = runner.invoke(args=["board", "sync"])
    assert "기본 피드" not in again.output and "추가 0" in again.output


def test_one_board_by_name_and_a_failing_feed(runner, board_settings, make_feed, saeol):
    make_feed(url=saeol.feed_url)
    make_feed(name="행사·교육", kind="rss", url=saeol.rss_url("행사·교육"))
    result = runner.invoke(args=["board", "sync", "--board", "행사·교육"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("행사·교육 (rss): 성공 · 추가 3")
    assert {p.board for p in db.session.scalars(select(BoardPost))} == {"행사·교육"}
    saeol.configure(fail_next=1)
    failed = runner.invoke(args=["board", "sync", "--board", "새올"])
    assert failed.exit_code == 1 and "새올 (json): 실패" in failed.output and "오류: HTTP 503" in failed.output
    again = runner.invoke(args=["board", "sync", "--board", "행사·교육"])
    assert "성공 (변경 없음, 304)" in again.output


def test_an_unknown_board_is_an_error(runner, board_settings, make_feed, saeol):
    make_feed(url=saeol.feed_url)
    result = runner.invoke(args=["board", "sync", "--board", "없는 게시판"])
    assert result.exit_code == 1 and "없는 피드입니다: 없는 게시판" in result.output


def test_the_demo_feeds(app, board_settings, saeol, run_pass):
    from core.demo import board as demo_board

    assert demo_board.seed(db.session, board_settings) == {"feeds": ["새올", "행사·교육"]}
    assert demo_board.seed(db.session, board_settings) == {"feeds": []}          # idempotent
    db.session.commit()
    feeds = {f.name: f for f in db.session.scalars(select(BoardFeed))}
    assert feeds["새올"].kind == "json" and feeds["행사·교육"].kind == "rss" and not feeds["행사·교육"].push_important
    assert run_pass(feeds["새올"]).added == 6 and run_pass(feeds["행사·교육"]).added == 3
