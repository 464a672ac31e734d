"""The offline page the service worker shows follows the reader's language, and every page says its
language (Content-Language) so that the worker can keep the offline page in the language in use."""
import pytest

KOREAN = "인터넷에 연결되어 있지 않습니다"
ENGLISH = "You are not connected to the internet"


@pytest.mark.parametrize("accept, lang, heading", [
    (None, "ko", KOREAN),
    ("ko-KR,ko;q=0.9", "ko", KOREAN),
    ("en-US,en;q=0.9", "en", ENGLISH),
])
def test_offline_page_follows_accept_language(client, accept, lang, heading):
    response = client.get("/offline", headers={"Accept-Language": accept} if accept else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert heading in html and f'<html lang="{lang}">' in html
    assert response.headers["Content-Language"] == lang
    assert {"Cookie", "Accept-Language"} <= set(response.vary)
    assert "no-cache" in response.headers["Cache-Control"]


def test_offline_page_follows_the_users_choice_over_the_browser(client, make_user, login):
    make_user("eng", locale="en")
    login("eng")
    response = client.get("/offline", headers={"Accept-Language": "ko"})
    assert ENGLISH in response.get_data(as_text=True) and response.headers["Content-Language"] == "en"


def test_every_page_says_its_language(client, make_user, login):
    assert client.get("/login").headers["Content-Language"] == "ko"
    assert client.get("/login", headers={"Accept-Language": "en"}).headers["Content-Language"] == "en"
    make_user("kim")
    login("kim")
    assert client.get("/more", headers={"Accept-Language": "en"}).headers["Content-Language"] == "ko"

