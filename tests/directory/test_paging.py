"""Issue 12: paging through a department of 53 over the API and the page; bad offsets; the partial note."""
import re

import pytest

from blueprints.directory.routes import PAGE_RESULTS
from tests.directory.conftest import BIG_DEPARTMENT, BIG_NAMES

ALL_53 = {*BIG_NAMES, "스마트도시과 대표전화"}


def test_api_pages_through_53_people(scoping_directory, staff_client):
    seen, offset = [], 0
    while True:
        body = staff_client.get(f"/api/directory/search?q={BIG_DEPARTMENT}&limit=20&offset={offset}").get_json()
        assert body["total"] == 53 and body["offset"] == offset and body["partial"] is False
        seen += [r["name"] for r in body["results"]]
        if offset + 20 >= body["total"]:
            break
        offset += 20
    assert len(seen) == 53 and set(seen) == ALL_53
    past = staff_client.get(f"/api/directory/search?q={BIG_DEPARTMENT}&offset=100").get_json()
    assert past == {"results": [], "total": 53, "offset": 100, "partial": False}


@pytest.mark.parametrize("offset", ["-1", "abc", "²", "1e3", "100001", "9" * 5000, " ", "1.5"])
def test_bad_offset_is_a_json_400(scoping_directory, staff_client, offset):
    response = staff_client.get("/api/directory/search", query_string={"q": "김", "offset": offset})
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_offset"


def test_api_reads_typed_requests_and_says_when_partial(scoping_directory, staff_client):
    body = staff_client.get("/api/directory/search", query_string={"q": "내선 2807"}).get_json()
    assert body["total"] == 0
    body = staff_client.get("/api/directory/search", query_string={"q": "택시 면허 담당자"}).get_json()
    assert [r["name"] for r in body["results"]] == ["이종민"]
    body = staff_client.get("/api/directory/search", query_string={"q": "스마트도시과 대표전화 걸어줘"}).get_json()
    assert body["results"][0]["name"] == "스마트도시과 대표전화"
    body = staff_client.get("/api/directory/search", query_string={"q": "여권 택시 담당"}).get_json()
    assert body["partial"] is True and body["results"]


def test_page_shows_the_total_and_loads_more(scoping_directory, staff_client):
    html = staff_client.get(f"/directory?q={BIG_DEPARTMENT}").get_data(as_text=True)
    assert "검색 결과 총 53건" in html
    assert html.count('class="contact"') == PAGE_RESULTS == 20
    more = re.search(r'hx-get="([^"]+offset=20[^"]*)"', html)
    assert more and 'hx-swap="outerHTML"' in html and "더 보기" in html and "(20/53)" in html
    rows = staff_client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    text = rows.get_data(as_text=True)
    assert rows.status_code == 200 and "HX-Request" in rows.headers.get("Vary", "")
    assert text.count('class="contact"') == 20 and "<ul" not in text and "(40/53)" in text
    assert "data-first-more" in text
    last = re.search(r'hx-get="([^"]+offset=40[^"]*)"', text)
    rows = staff_client.get(last.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    text = rows.get_data(as_text=True)
    assert text.count('class="contact"') == 13 and "더 보기" not in text
    # Without htmx the link is a page of its own, from that offset.
    plain = staff_client.get(last.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "<html" in plain and plain.count('class="contact"') == 13 and "총 53건" in plain


def test_page_says_when_only_some_words_match(scoping_directory, staff_client):
    html = staff_client.get("/directory", query_string={"q": "여권 택시 담당"}).get_data(as_text=True)
    assert "일부 단어만 맞는 결과" in html
    html = staff_client.get("/directory", query_string={"q": "택시 면허 담당자"}).get_data(as_text=True)
    assert "일부 단어만" not in html and "이종민" in html and "총 1건" in html




def test_mangled_page_offset_starts_from_the_top(scoping_directory, staff_client):
    html = staff_client.get(f"/directory?q={BIG_DEPARTMENT}&offset=x").get_data(as_text=True)
    assert html.count('class="contact"') == PAGE_RESULTS
