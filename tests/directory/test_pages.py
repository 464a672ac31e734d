"""Directory pages: search as you type, detail, favourites, recents and the voice form."""
import re

from sqlalchemy import select

from core.models.directory import Favourite, RecentContact
from core.models.organization import Person
from extensions import db
from tests.conftest import csrf_token_from


def person_id(email: str) -> int:
    return db.session.scalar(select(Person.id).filter_by(email=email))


def test_page_needs_sign_in(directory, client):
    response = client.get("/directory")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_contract_for_offline_search(directory, staff_client):
    html = staff_client.get("/directory").get_data(as_text=True)
    assert '<form id="directory-search" role="search" action="/directory" method="get"' in html
    assert re.search(r'<input id="directory-q" name="q" type="search"', html)
    assert 'hx-trigger="input changed delay:200ms, search"' in html and 'hx-push-url="true"' in html
    assert re.search(r'<div id="directory-results"[^>]*aria-live="polite"', html)
    assert '<p id="snapshot-info" class="muted small" hidden></p>' in html
    head = html.split("</head>", 1)[0]
    assert re.search(r'src="/static/js/directory-offline(\.[0-9a-f]{8})?\.js', head)  # content-hashed name
    assert "<script>" not in html and "style=" not in html


def test_full_page_search_without_javascript(directory, staff_client):
    html = staff_client.get("/directory?q=김민준").get_data(as_text=True)
    assert "<html" in html and 'value="김민준"' in html
    item = html.split('<li class="contact">', 2)[1]
    assert "김민준" in item and "교통정책과" in item and "주무관" in item and "교통영향평가" in item
    assert 'href="tel:03180752345"' in item and 'href="tel:01023456789"' in item and 'href="sms:01023456789"' in item


def test_htmx_request_gets_only_the_results(directory, staff_client):
    response = staff_client.get("/directory?q=ㄱㅁㅈ", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and '<ul class="contacts" id="directory-list">' in html
    assert "김민준" in html and "김민정" in html
    boosted = staff_client.get("/directory?q=ㄱㅁㅈ", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_no_match_message(directory, staff_client):
    html = staff_client.get("/directory?q=없는사람", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "맞는 연락처가 없습니다" in html


def test_detail_records_recent_and_favourite_toggles(directory, staff_client):
    pid = person_id("minjun@example.go.kr")
    html = staff_client.get(f"/directory/{pid}").get_data(as_text=True)
    assert "김민준" in html and "교통영향평가" in html and "031-8075-2345" in html and "minjun@example.go.kr" in html
    assert 'aria-pressed="false"' in html
    assert db.session.scalar(select(RecentContact).filter_by(person_id=pid)).action == "view"
    token = csrf_token_from(html)

    home = staff_client.get("/directory").get_data(as_text=True)
    recents = home.split('id="recents-heading"', 1)[1]
    assert "김민준" in recents

    fav = staff_client.post(f"/directory/{pid}/favourite", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert fav.status_code == 200 and 'aria-pressed="true"' in fav.get_data(as_text=True)
    assert db.session.scalar(select(Favourite).filter_by(person_id=pid)) is not None
    home = staff_client.get("/directory").get_data(as_text=True)
    favourites = home.split('id="favourites-heading"', 1)[1].split('id="recents-heading"', 1)[0]
    assert "김민준" in favourites and "fav-mark" in favourites
    found = staff_client.get("/directory?q=김민준", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "fav-mark" in found.split('<li class="contact">')[1]

    off = staff_client.post(f"/directory/{pid}/favourite", data={"csrf_token": token})
    assert off.status_code == 302
    assert db.session.scalar(select(Favourite).filter_by(person_id=pid)) is None


def test_favourite_needs_csrf(directory, staff_client):
    pid = person_id("minjun@example.go.kr")
    assert staff_client.post(f"/directory/{pid}/favourite").status_code == 400
    assert db.session.scalar(select(Favourite)) is None


def test_call_tap_is_recorded(directory, staff_client):
    pid = person_id("seojun@example.go.kr")
    token = csrf_token_from(staff_client.get("/directory").get_data(as_text=True))
    response = staff_client.post(f"/directory/{pid}/recent", data={"action": "call"}, headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert db.session.scalar(select(RecentContact).filter_by(person_id=pid)).action == "call"
    assert staff_client.post(f"/directory/{pid}/recent", data={"action": "hack"},
                             headers={"X-CSRFToken": token}).status_code == 400
    assert staff_client.post("/directory/999999/recent", data={"action": "call"},
                             headers={"X-CSRFToken": token}).status_code == 404


def test_unknown_person_is_404(directory, staff_client):
    assert staff_client.get("/directory/999999").status_code == 404


def test_voice_form_offers_one_touch_call(directory, staff_client):
    token = csrf_token_from(staff_client.get("/directory").get_data(as_text=True))
    response = staff_client.post("/directory/voice", data={"transcript": "교통정책과 김민준 주무관 연결해 줘",
                                                           "csrf_token": token}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="voice-call" href="tel:03180752345"' in html


def test_voice_form_without_javascript_and_with_errors(directory, staff_client):
    token = csrf_token_from(staff_client.get("/directory").get_data(as_text=True))
    page = staff_client.post("/directory/voice", data={"transcript": "김영자한테 전화해줘", "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "후보가 여러 명" in html and 'id="voice-call"' not in html
    empty = staff_client.post("/directory/voice", data={"transcript": "", "csrf_token": token},
                              headers={"HX-Request": "true"})
    assert empty.status_code == 400 and "말하거나 적어" in empty.get_data(as_text=True)
