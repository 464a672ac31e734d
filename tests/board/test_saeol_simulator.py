"""The Saeol simulator itself, over HTTP: the token, §4's shape and order, opaque cursors, Korean PDFs, RSS
validators, the live posts on the clock, and the test endpoints."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

import httpx

from lettering_worker.simulators.saeol import SaeolConfig, SaeolState, serve_saeol
from lettering_worker.simulators.saeol_posts import EDIT_EVERY


def feed(saeol, token: str, since: str = "", **params) -> httpx.Response:
    return httpx.get(saeol.feed_url, params={"since": since, **params}, timeout=30,
                     headers={"Authorization": f"Bearer {token}"})


def test_the_feed_needs_the_token_and_answers_section_4(app, saeol):
    token = app.config["SAEOL_TOKEN"]
    assert httpx.get(saeol.feed_url, timeout=10).status_code == 401
    assert feed(saeol, "wrong").status_code == 401
    page = feed(saeol, token).json()
    items = page["items"]
    updated = [datetime.fromisoformat(i["updated_at"]) for i in items]
    assert updated == sorted(updated) and all(u.utcoffset() == timedelta(0) for u in updated)
    assert {i["board"] for i in items} == {"공지사항", "인사발령"}
    deleted = [i for i in items if i.get("deleted")]
    assert [(i["id"], sorted(i)) for i in deleted] == [("B-2026-000105", ["board", "deleted", "id", "updated_at"])]
    attachment = next(i for i in items if i["attachments"])["attachments"][0]
    assert set(attachment) == {"id", "filename", "content_type", "size", "url"}
    assert attachment["url"] == f"{saeol.files_url}/{attachment['id']}"
    assert feed(saeol, token, page["next_cursor"]).json() == {"items": [], "next_cursor": page["next_cursor"]}
    assert feed(saeol, token, "not-a-cursor").json()["items"] == items      # a foreign cursor reads from the start


def test_attachments_are_korean_pdfs(app, saeol, tmp_path):
    body = httpx.get(f"{saeol.files_url}/F-2001", timeout=30)
    assert body.status_code == 200 and body.headers["Content-Type"] == "application/pdf"
    path = tmp_path / "f.pdf"
    path.write_bytes(body.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "정기인사 발령 명단" in text and "김민준" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "NanumGothic" in fonts
    assert httpx.get(f"{saeol.files_url}/F-nope", timeout=10).status_code == 404


def test_rss_validators(saeol):
    first = httpx.get(saeol.rss_url("행사·교육"), timeout=10)
    assert first.status_code == 200 and first.headers["Content-Type"].startswith("application/rss+xml")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert httpx.get(saeol.rss_url("행사·교육"), headers={"If-None-Match": etag}, timeout=10).status_code == 304
    assert httpx.get(saeol.rss_url("행사·교육"), headers={"If-Modified-Since": modified}, timeout=10).status_code == 304
    assert httpx.get(saeol.rss_url("행사·교육"), headers={"If-None-Match": '"other"'}, timeout=10).status_code == 200
    assert httpx.get(saeol.rss_url("없는 게시판"), timeout=10).status_code == 404


def test_live_posts_follow_the_clock(app, clock):
    state = SaeolState(SaeolConfig(token="t", live_seconds=300))
    server = serve_saeol(state, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.server_port}/saeol/feed"
    try:
        def ids(since: str = "") -> tuple[list[str], str]:
            page = httpx.get(url, params={"since": since}, headers={"Authorization": "Bearer t"}, timeout=30).json()
            return [i["id"] for i in page["items"]], page["next_cursor"]

        seeded, cursor = ids()
        assert not [i for i in seeded if "LIVE" in i]
        clock.move_to(datetime.fromtimestamp(state.epoch + 301).astimezone())
        live, cursor = ids(cursor)
        assert live == ["B-LIVE-000001"]
        clock.move_to(datetime.fromtimestamp(state.epoch + 300 * EDIT_EVERY + 1).astimezone())
        later, _ = ids(cursor)
        # ticks 2 and 3 add posts (3 is on the RSS-only board), tick 4 edits tick 3's post
        assert later == ["B-LIVE-000002"]
        assert state.posts["E-LIVE-000003"]["body_html"].endswith("031-8075-3000)</p>")
        assert state.posts["E-LIVE-000003"]["seq"] == max(p["seq"] for p in state.posts.values())
    finally:
        server.shutdown()
        server.server_close()


def test_sim_endpoints_post_config_reset_and_requests(app, saeol):
    token = app.config["SAEOL_TOKEN"]
    added = saeol.post(id="B-X", board="공지사항", title="테스트", body_html="<p>x</p>", important=True,
                       attachments=[{"filename": "a.pdf", "url": "http://evil.example/a.pdf", "size": 5}])
    assert added["attachments"][0]["url"] == "http://evil.example/a.pdf" and added["important"]
    assert httpx.post(f"{saeol.url}/_sim/posts", json={"action": "delete", "id": "없음"}, timeout=10).status_code == 404
    assert httpx.post(f"{saeol.url}/_sim/config", json={"nope": 1}, timeout=10).status_code == 400
    saeol.configure(malformed_next=1, fail_next=1)
    assert feed(saeol, token).status_code == 503
    malformed = feed(saeol, token).json()["items"]
    assert sum(1 for i in malformed if not isinstance(i.get("id"), str)) == 1
    assert [r["answer"] for r in saeol.requests("/saeol/feed")] == [503, 200]
    assert httpx.post(f"{saeol.url}/_sim/reset", timeout=10).status_code == 204
    assert saeol.requests() == [] and "B-X" not in saeol.state.posts


def test_a_cursor_of_an_earlier_run_reads_from_the_start(app, saeol):
    token = app.config["SAEOL_TOKEN"]
    cursor = feed(saeol, token).json()["next_cursor"]
    assert feed(saeol, token, cursor).json()["items"] == []
    httpx.post(f"{saeol.url}/_sim/reset", timeout=10).raise_for_status()      # as a restart does
    assert len(feed(saeol, token, cursor).json()["items"]) == 7
