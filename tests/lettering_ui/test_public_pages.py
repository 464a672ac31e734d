"""The citizens' pages: campaign landing page, counted policy links, opt-out, verify."""
from __future__ import annotations

from sqlalchemy import func, select

from core.lettering.optout import is_opted_out
from core.models.lettering import CampaignEvent, OptOut
from core.privacy import optout_token, phone_hash
from extensions import db


def _events(kind: str) -> int:
    return db.session.scalar(select(func.count(CampaignEvent.id)).where(CampaignEvent.kind == kind))


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_campaign_page_shows_content_counts_visit_and_allows_only_youtube_frames(client, campaign):
    response = client.get("/p/bus2026")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2026 고양 버스 노선 개편" in html
    assert 'src="/static/demo/card-news-1.png"' in html          # own image served by path
    assert 'src="https://cdn.example.org/card2.png"' in html
    assert "https://www.youtube-nocookie.com/embed/M7lc1UVf-VE" in html
    assert "youtube.com/embed" not in html.replace("youtube-nocookie.com/embed", "")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in csp
    assert "https://cdn.example.org" in csp.split("img-src", 1)[1].split(";", 1)[0]
    assert "script-src 'self'" in csp and "<script" not in html
    assert _events("visit") == 1
    # The bad stored link is never offered.
    assert "/p/bus2026/go/2" not in html and "/p/bus2026/go/0" in html


def test_other_pages_keep_the_strict_csp(client, campaign):
    csp = client.get("/verify").headers["Content-Security-Policy"]
    assert "frame-src" not in csp


def test_policy_link_redirects_only_to_stored_urls_and_counts_clicks(client, campaign):
    response = client.get("/p/bus2026/go/1")
    assert response.status_code == 302 and response.headers["Location"] == "https://www.gbis.go.kr/"
    assert _events("click") == 1
    link = db.session.scalar(select(CampaignEvent).where(CampaignEvent.kind == "click"))
    assert link.link_index == 1
    for path in ("/p/bus2026/go/2", "/p/bus2026/go/3", "/p/bus2026/go/-1",
                 "/p/bus2026/go/0?next=https://evil.example", "/p/bus2026/go/https:%2F%2Fevil.example",
                 "/p/nope/go/0"):
        answer = client.get(path)
        location = answer.headers.get("Location", "")
        assert "evil" not in location and "javascript" not in location, path
        if path.startswith("/p/bus2026/go/0"):
            assert location == "https://www.goyang.go.kr/"
        else:
            assert answer.status_code == 404, path
    assert _events("click") == 2  # only the two real links counted


def test_unknown_and_ended_campaigns(client, campaign):
    assert client.get("/p/does-not-exist").status_code == 404
    campaign.active = False
    db.session.commit()
    html = client.get("/p/bus2026").get_data(as_text=True)
    assert "종료되었습니다" in html and "youtube" not in html
    assert client.get("/p/bus2026/go/0").status_code == 404
    assert _events("visit") == 0


def test_citizen_opt_out_by_token_and_undo(app, client, make_call, lines):
    peer = "+821055557777"
    make_call(lines[0], peer)
    hashed = phone_hash(peer, app.config["PHONE_HASH_KEY"])
    token = optout_token(hashed, app.config["SECRET_KEY"])
    page = client.get(f"/optout/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "010-****-7777" in html and "5555" not in html
    assert not is_opted_out(db.session, hashed)
    done = client.post(f"/optout/{token}", data={"csrf_token": _csrf(html)}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "수신 거부가 완료되었습니다" in html and "수신 거부 취소하기" in html
    assert is_opted_out(db.session, hashed)
    row = db.session.scalar(select(OptOut))
    assert row.masked == "010-****-7777" and row.source == "citizen" and row.phone_hash == hashed
    undone = client.post(f"/optout/{token}/undo", data={"csrf_token": _csrf(html)}, follow_redirects=True)
    assert "취소했습니다" in undone.get_data(as_text=True)
    db.session.expire_all()
    assert not is_opted_out(db.session, hashed)


def test_opt_out_forms_need_csrf_and_forged_tokens_are_refused(app, client):
    hashed = phone_hash("+821012341234", app.config["PHONE_HASH_KEY"])
    token = optout_token(hashed, app.config["SECRET_KEY"])
    assert client.post(f"/optout/{token}").status_code == 400       # no CSRF token
    assert not is_opted_out(db.session, hashed)
    forged = optout_token(hashed, "not-the-secret")
    html = client.get(f"/optout/{token}").get_data(as_text=True)
    for bad in (forged, token[:-2] + "xx", "garbage", "a" * 500):
        assert client.get(f"/optout/{bad}").status_code == 404
        assert client.post(f"/optout/{bad}", data={"csrf_token": _csrf(html)}).status_code == 404
    assert db.session.scalar(select(func.count(OptOut.id))) == 0


def test_opt_out_by_typed_number_from_landing_page(app, client):
    """Typing a number opts it out at once; no token and no status page is handed out (tests/public has the
    one-time code that proves the number's owner)."""
    html = client.get("/optout").get_data(as_text=True)
    bad = client.post("/optout", data={"csrf_token": _csrf(html), "number": "031-8075-1234"})
    assert bad.status_code == 422 and "휴대전화 번호를" in bad.get_data(as_text=True)
    answer = client.post("/optout", data={"csrf_token": _csrf(html), "number": "010 9876 5432", "action": "optout"})
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert "9876" not in answer.get_data(as_text=True) and "수신 거부를 접수했습니다" in answer.get_data(as_text=True)
    hashed = phone_hash("+821098765432", app.config["PHONE_HASH_KEY"])
    assert is_opted_out(db.session, hashed)
    assert db.session.scalar(select(OptOut.masked)) == "010-****-5432"


def test_verify_official_stranger_and_garbage(client, lines):
    html = client.get("/verify").get_data(as_text=True)
    assert "보이스피싱" in html
    token = _csrf(html)
    official = client.post("/verify", data={"csrf_token": token, "n": "0318075-9571"}).get_data(as_text=True)
    assert "고양특례시 공식 번호입니다" in official and "대중교통과" in official and "031-8075-9571" in official
    stranger = client.post("/verify", data={"csrf_token": token, "n": "010-2222-3333"}).get_data(as_text=True)
    assert "공식 번호가 아닙니다" in stranger and "대중교통과" not in stranger
    for garbage in ("hello", "12", "<script>alert(1)</script>", "9" * 300):
        answer = client.post("/verify", data={"csrf_token": token, "n": garbage})
        assert answer.status_code == 422
        assert "형식이 올바르지 않습니다" in answer.get_data(as_text=True)
        assert "<script>alert" not in answer.get_data(as_text=True)
    empty = client.post("/verify", data={"csrf_token": token, "n": "  "})
    assert empty.status_code == 422 and "입력해 주세요" in empty.get_data(as_text=True)


def test_verify_accepts_number_from_alimtalk_button_and_staff_direct_lines(client, lines, departments):
    from core.models.organization import Person

    db.session.add(Person(name="홍길동", department_id=departments["세정과"].id, phone="+823180751111",
                          mobile="+821077778888"))
    db.session.commit()
    html = client.get("/verify?n=%2B823180757159").get_data(as_text=True)
    assert "공식 번호입니다" in html and "세정과" in html
    staff = client.get("/verify?n=031-8075-1111").get_data(as_text=True)
    assert "공식 번호입니다" in staff and "세정과" in staff and "홍길동" not in staff
    mobile = client.get("/verify?n=010-7777-8888").get_data(as_text=True)
    assert "공식 번호가 아닙니다" in mobile  # a member of staff's own mobile is not an official line


def test_public_pages_need_no_login_and_have_no_inline_scripts(client, campaign):
    for path in ("/p/bus2026", "/verify", "/optout"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "<script" not in html and 'style="' not in html and " on" + "click" not in html
        assert '<html lang="ko">' in html

