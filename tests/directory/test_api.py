"""JSON API: directory search and voice dialling, with session cookies (CSRF) or Bearer tokens."""
import pytest

from core.accounts import issue_token
from core.models.accounts import User
from extensions import db
from tests.conftest import csrf_token_from

FIELDS = {"id", "name", "organization", "department", "title", "duty", "extension", "phone", "mobile", "email",
          "score"}


def test_search_shape_and_formats(directory, staff_client):
    response = staff_client.get("/api/directory/search?q=김민준&limit=20")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert set(body) == {"results", "total", "offset", "partial"}
    first = body["results"][0]
    assert set(first) == FIELDS
    assert first == {**first, "name": "김민준", "organization": "고양특례시", "department": "교통정책과",
                     "title": "주무관", "duty": "교통영향평가", "extension": "2345", "phone": "031-8075-2345",
                     "mobile": "010-2345-6789", "email": "minjun@example.go.kr"}
    assert isinstance(first["id"], int) and isinstance(first["score"], int | float)


def test_search_limit_and_empty_query(directory, staff_client):
    assert len(staff_client.get("/api/directory/search?q=김&limit=3").get_json()["results"]) == 3
    assert len(staff_client.get("/api/directory/search?q=김").get_json()["results"]) == 20
    empty = {"results": [], "total": 0, "offset": 0, "partial": False}
    assert staff_client.get("/api/directory/search?q=").get_json() == empty


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_search_bad_limit_is_json_400(directory, staff_client, limit):
    response = staff_client.get(f"/api/directory/search?q=김&limit={limit}")
    assert response.status_code == 400 and response.is_json
    assert "limit" in response.get_json()["error"]


def test_search_overlong_query_is_json_400(directory, staff_client):
    response = staff_client.get("/api/directory/search?q=" + "가" * 101)
    assert response.status_code == 400 and "검색어" in response.get_json()["error"]


def test_api_needs_sign_in(directory, client):
    response = client.get("/api/directory/search?q=김")
    assert response.status_code == 401 and response.is_json
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    anonymous = client.post("/api/voice-dial", json={"transcript": "김민준"}, headers={"X-CSRFToken": token})
    assert anonymous.status_code == 401 and anonymous.is_json


def test_bearer_token(directory, client, make_user):
    make_user("robot", role="staff")
    token = issue_token(db.session, db.session.scalar(db.select(User).filter_by(username="robot")))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    found = client.get("/api/directory/search?q=ㄱㅁㅈ", headers=headers).get_json()["results"]
    assert "김민준" in [r["name"] for r in found]
    # Bearer requests skip CSRF.
    answer = client.post("/api/voice-dial", json={"transcript": "김민준한테 전화해줘"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["action"] == "call"


def test_voice_dial_shape(directory, staff_client):
    token = csrf_token_from(staff_client.get("/directory").get_data(as_text=True))
    response = staff_client.post("/api/voice-dial", json={"transcript": "교통정책과 김민준 주무관 연결해 줘"},
                                 headers={"X-CSRFToken": token})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"parsed", "candidates", "action"}
    assert body["action"] == "call"
    assert body["parsed"]["name"] == "김민준" and body["parsed"]["department"] == "교통정책과"
    assert body["parsed"]["title"] == "주무관"
    assert set(body["candidates"][0]) == FIELDS and body["candidates"][0]["phone"] == "031-8075-2345"


def test_voice_dial_choose_and_none(directory, staff_client):
    token = csrf_token_from(staff_client.get("/directory").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    choose = staff_client.post("/api/voice-dial", json={"transcript": "김영자한테 전화해줘"}, headers=headers)
    assert choose.get_json()["action"] == "choose" and len(choose.get_json()["candidates"]) == 2
    none = staff_client.post("/api/voice-dial", json={"transcript": "오늘 날씨 어때"}, headers=headers)
    assert none.get_json() == {**none.get_json(), "action": "none", "candidates": []}


def test_voice_dial_needs_csrf_for_browser_sessions(directory, staff_client):
    response = staff_client.post("/api/voice-dial", json={"transcript": "김민준"})
    assert response.status_code == 400 and response.is_json and "보안 토큰" in response.get_json()["error"]


@pytest.mark.parametrize("body", [
    {}, {"transcript": ""}, {"transcript": "   "}, {"transcript": 5}, {"transcript": None}, ["김민준"],
    {"transcript": "가" * 201},
])
def test_voice_dial_bad_bodies_are_json_400(directory, staff_client, body):
    token = csrf_token_from(staff_client.get("/directory").get_data(as_text=True))
    response = staff_client.post("/api/voice-dial", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.is_json and response.get_json()["error"]


def test_voice_dial_not_json(directory, staff_client):
    token = csrf_token_from(staff_client.get("/directory").get_data(as_text=True))
    response = staff_client.post("/api/voice-dial", data="김민준", content_type="text/plain",
                                 headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.is_json


def test_errors_have_a_stable_code_and_the_users_language(directory, client, make_user, login):
    make_user("eng", role="staff", locale="en")
    login("eng")
    limit = client.get("/api/directory/search?q=김&limit=0").get_json()
    assert limit == {"error": "limit must be a whole number from 1 to 100.", "code": "invalid_limit",
                     "status": 400}
    long_query = client.get("/api/directory/search?q=" + "가" * 101).get_json()
    assert long_query["code"] == "query_too_long"
    assert long_query["error"] == "The search text is too long (maximum 100 characters)."
    token = csrf_token_from(client.get("/directory").get_data(as_text=True))
    empty = client.post("/api/voice-dial", json={}, headers={"X-CSRFToken": token}).get_json()
    assert empty["code"] == "missing_transcript" and empty["error"].startswith("Send transcript")
    long_sentence = client.post("/api/voice-dial", json={"transcript": "가" * 201}, headers={"X-CSRFToken": token})
    assert long_sentence.get_json()["code"] == "transcript_too_long"
    assert long_sentence.get_json()["error"] == "The sentence is too long (maximum 200 characters)."
    no_csrf = client.post("/api/voice-dial", json={"transcript": "김민준"}).get_json()
    assert no_csrf["code"] == "csrf_failed" and "security token" in no_csrf["error"].lower()


def test_errors_are_korean_by_default_with_the_same_codes(directory, staff_client, client):
    limit = staff_client.get("/api/directory/search?q=김&limit=abc").get_json()
    assert limit["code"] == "invalid_limit" and limit["error"] == "limit은 1부터 100 사이의 정수여야 합니다."
    anonymous = client.application.test_client().get("/api/directory/search?q=김")
    assert anonymous.status_code == 401
    assert anonymous.get_json() == {"error": "로그인이 필요합니다.", "code": "login_required", "status": 401}
