"""The staff's board list: the true total and "더 보기" paging through htmx, the board filter, unread marks,
and the search over title and body (Korean whole words and partial syllables, LIKE wildcards escaped)."""
import re

from core.board import posts
from core.board.posts import PAGE_SIZE
from extensions import db

HX = {"HX-Request": "true"}


def _titles(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|읽지 않음,|중요", "", m).strip()
            for m in re.findall(r'<span class="post-title">(.*?)</span>\s*<span class="post-meta', html, re.S)]


def test_list_pages_with_the_true_total_and_a_more_button(client, login, reader, add_post):
    for i in range(PAGE_SIZE * 2 + 5):
        add_post(f"공지 {i:02d}")
    login("reader")
    page = client.get("/board")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    assert "총 45건" in html
    assert len(_titles(html)) == PAGE_SIZE and _titles(html)[0] == "공지 00"
    more = re.search(r'hx-get="([^"]+more=1[^"]*)"', html).group(1).replace("&amp;", "&")
    assert 'hx-swap="outerHTML"' in html and "더 보기" in html
    second = client.get(more, headers=HX).get_data(as_text=True)
    assert "<html" not in second and _titles(second)[0] == f"공지 {PAGE_SIZE:02d}"
    third_url = re.search(r'hx-get="([^"]+more=1[^"]*)"', second).group(1).replace("&amp;", "&")
    third = client.get(third_url, headers=HX).get_data(as_text=True)
    assert len(_titles(third)) == 5 and "더 보기" not in third
    # Without script the button is a link to the next page, a whole page.
    assert "<html" in client.get("/board?page=2").get_data(as_text=True)
    assert client.get("/board?page=99999999999999999999").status_code == 200


def test_filter_by_board_and_chips(client, login, reader, add_post):
    add_post("승진 발령", board="인사발령")
    add_post("청사 점검", board="공지사항")
    login("reader")
    html = client.get("/board").get_data(as_text=True)
    assert 'aria-label="게시판 고르기"' in html and "인사발령" in html
    filtered = client.get("/board?board=인사발령").get_data(as_text=True)
    assert _titles(filtered) == ["승진 발령"] and "총 1건" in filtered
    assert 'aria-current="true">인사발령' in filtered
    assert "총 0건" in client.get("/board?board=없는게시판").get_data(as_text=True)


def test_unread_marks_clear_when_a_post_is_opened(client, login, reader, add_post):
    first = add_post("읽을 글")
    add_post("안 읽을 글")
    login("reader")
    html = client.get("/board").get_data(as_text=True)
    assert html.count('class="unread-dot"') == 2 and html.count("읽지 않음") >= 2
    assert posts.unread_count(db.session, reader) == 2
    client.get(f"/board/{first.id}")
    client.get(f"/board/{first.id}")   # a second open changes nothing
    html = client.get("/board").get_data(as_text=True)
    assert html.count('class="unread-dot"') == 1
    assert posts.unread_count(db.session, reader) == 1


def test_search_handles_korean_words_and_partial_syllables(client, login, reader, add_post):
    add_post("2027년 상반기 교육 일정", body="<p>정보보안 교육을 실시합니다.</p>")
    add_post("주차장 공사 안내", body="<p>시청 <strong>지하주차장</strong> 폐쇄</p>")
    add_post("행사 안내", body="<p>고양 꽃박람회 자원봉사 모집</p>")
    login("reader")

    def found(q: str) -> list[str]:
        return sorted(_titles(client.get("/board", query_string={"q": q}, headers=HX).get_data(as_text=True)))

    assert found("교육") == ["2027년 상반기 교육 일정"]              # a whole word in the title
    assert found("정보보안") == ["2027년 상반기 교육 일정"]           # a whole word in the body
    assert found("보안") == ["2027년 상반기 교육 일정"]               # syllables inside a word
    assert found("주차") == ["주차장 공사 안내"]                       # partial, title and body
    assert found("박람") == ["행사 안내"]
    assert found("교육을") == ["2027년 상반기 교육 일정"]             # a word with its particle
    assert found("안내") == ["주차장 공사 안내", "행사 안내"]
    assert found("안내 주차장") == ["주차장 공사 안내"]               # every word must match
    assert found("안내   자원봉사") == ["행사 안내"]
    assert found("교ㅇ") == ["2027년 상반기 교육 일정"]               # a syllable still being typed
    assert found("ㅎ") == sorted(found(""))                              # only jamo: no word yet
    assert found("없는낱말") == []
    page = client.get("/board", query_string={"q": "없는낱말"}).get_data(as_text=True)
    assert "‘없는낱말’에 맞는 게시글이 없습니다" in page


def test_search_escapes_like_wildcards(client, login, reader, add_post):
    add_post("할인율 50% 안내")
    add_post("파일명 a_b 규칙")
    add_post("다른 글", body="<p>ab 50 이라는 숫자</p>")
    login("reader")

    def found(q: str) -> list[str]:
        return sorted(_titles(client.get("/board", query_string={"q": q}, headers=HX).get_data(as_text=True)))

    assert found("%") == ["할인율 50% 안내"]
    assert found("50%") == ["할인율 50% 안내"]
    assert found("a_b") == ["파일명 a_b 규칙"]
    assert found("_") == ["파일명 a_b 규칙"]
    assert found("\\") == []
    long = client.get("/board", query_string={"q": "가" * 10_000})
    assert long.status_code == 200


def test_board_tab_points_at_the_board(client, login, reader):
    login("reader")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/board"' in html
    board = client.get("/board").get_data(as_text=True)
    assert re.search(r'href="/board" class="nav-item active" aria-current="page"', board)
    assert client.get("/board").status_code == 200 and "다음 배포에서" not in board


def test_signed_out_is_sent_to_login(client):
    response = client.get("/board")
    assert response.status_code in (302, 401)


def test_home_shows_the_newest_posts(client, login, reader, other, departments, add_post):
    from core.audience import Audience

    add_post("오래된 공지")
    add_post("세정과 전용", audience=Audience.of(departments=[departments["세정과"].id]))
    newest = add_post("가장 새 공지", important=True, posted=posts.utcnow())
    login("reader")
    html = client.get("/").get_data(as_text=True)
    card = html.split('id="recent-posts-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="/board/{newest.id}"' in card and "가장 새 공지" in card and "오래된 공지" in card
    assert "세정과 전용" not in card
