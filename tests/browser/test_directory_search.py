"""Issue 12 in a phone-sized Chromium: paging a 53-entry department online and offline, the short
placeholder, offline voice 찾기, and the phone's voice matcher agreeing with the server's."""
import pytest

from core.directory.index import get_index
from core.directory.voice import match
from core.models.organization import Department, Person
from extensions import db
from tests.browser.conftest import wait_for_controlling_worker
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser

GIVEN = ("가온", "나래", "다온", "라온", "보람", "새롬", "아름", "예솔", "하랑", "한결", "해솔")
BIG_NAMES = [s + g for s in "남도마봉석" for g in GIVEN][:52]


@pytest.fixture
def big_directory(app, staff_directory):
    """The browser directory plus 스마트도시과 (52 staff and its main line), 교통정책과's main line and 서무."""
    smart = Department(organization="고양특례시", parent="도시정책국", name="스마트도시과", search_key="")
    db.session.add(smart)
    db.session.flush()
    for i, name in enumerate(BIG_NAMES):
        db.session.add(Person(name=name, department_id=smart.id, title="주무관", duty=f"스마트시티 {i % 7}번 사업",
                              extension=str(7000 + i), phone=f"+8231807{57000 + i}", email=f"s{i}@example.go.kr"))
    db.session.add(Person(name="스마트도시과 대표전화", kind="contact", department_id=smart.id, duty="대표 번호",
                          extension="3100", phone="+823180753100"))
    traffic = staff_directory["김민준"].department_id
    db.session.add(Person(name="교통정책과 대표전화", kind="contact", department_id=traffic, extension="5100",
                          phone="+823180755100"))
    db.session.add(Person(name="오세영", department_id=traffic, title="주무관", duty="서무 및 예산", extension="5103",
                          phone="+823180755103", email="5103@example.go.kr"))
    db.session.commit()
    return staff_directory


def contacts(page):
    return page.locator("#directory-results li.contact .contact-name").all_inner_texts()


def test_paging_a_department_online(page, live_server, make_user, big_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/directory")
    # The placeholder fits the 390 px field; the examples sit below it.
    assert page.evaluate("""() => { const i = document.getElementById('directory-q'); const v = i.value;
        i.value = i.placeholder; const fits = i.scrollWidth <= i.clientWidth; i.value = v; return fits; }""")
    assert page.locator("#search-examples").is_visible()
    page.fill("#directory-q", "스마트도시과")
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.contact').length === 20")
    assert page.locator(".result-count").inner_text() == "‘스마트도시과’ 검색 결과 총 53건"
    assert axe_violations(page) == []
    page.locator(".more-results").click()
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.contact').length === 40")
    page.locator(".more-results").click()
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.contact').length === 53")
    assert page.locator(".more-results").count() == 0
    assert set(contacts(page)) == {*BIG_NAMES, "스마트도시과 대표전화"}
    assert page.evaluate("() => document.activeElement.classList.contains('contact')")
    assert page.url.endswith("q=%EC%8A%A4%EB%A7%88%ED%8A%B8%EB%8F%84%EC%8B%9C%EA%B3%BC")  # 더 보기 keeps the URL
    screenshot(page, "directory-paging-53")
    page.fill("#directory-q", "택시 배차 공영주차장")
    page.locator(".partial-note").wait_for()
    assert contacts(page) == ["박지훈"]


def test_paging_and_reading_offline(page, live_server, make_user, big_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/directory")
    assert page.evaluate("async () => (await window.directoryOffline.sync(true)).count") == 6 + 52 + 1 + 2
    page.context.set_offline(True)
    page.fill("#directory-q", "스마트도시과")
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.contact').length === 20")
    assert "53" in page.locator(".result-count").inner_text()
    page.locator(".more-results").click()
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.contact').length === 40")
    page.locator(".more-results").click()
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.contact').length === 53")
    assert set(contacts(page)) == {*BIG_NAMES, "스마트도시과 대표전화"}
    assert axe_violations(page) == []
    for query, first in [("내선 5201", "이서연"), ("교통정책과 팀장님", "김민서"), ("불법 주정차 담당자", "이서연"),
                         ("스마트도시과 대표전화 걸어줘", "스마트도시과 대표전화"), ("교통정책과 서무 담당", "오세영")]:
        page.fill("#directory-q", query)
        page.wait_for_function("(name) => { const n = document.querySelector('#directory-results .contact-name');"
                               " return n && n.textContent === name; }", arg=first)
    assert contacts(page) == ["오세영"]
    page.fill("#directory-q", "택시 배차 공영주차장")
    page.locator(".partial-note").wait_for()
    assert contacts(page) == ["박지훈"]


def test_voice_offline_finds_and_dials(page, live_server, make_user, big_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/directory")
    page.evaluate("async () => await window.directoryOffline.sync(true)")
    page.context.set_offline(True)
    page.locator("details.voice summary").click()
    page.fill("#transcript", "스마트도시과 대표전화 걸어 줘")
    page.locator("#voice-form button[type=submit]").click()
    call = page.locator("#voice-result #voice-call")
    call.wait_for()
    assert call.get_attribute("href") == "tel:0318075" + "3100"
    assert "휴대전화의 연락처 사본" in page.locator("#voice-result").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "directory-voice-offline")
    # A misheard name needs the server: said so, not silence.
    page.fill("#transcript", "박지운한테 전화해 줘")
    page.locator("#voice-form button[type=submit]").click()
    page.locator("#voice-result .empty").wait_for()
    assert "인터넷에 연결되어야" in page.locator("#voice-result .empty").inner_text()


COMMON = [
    "김민준한테 전화해줘",                      # a name
    "남하랑한테 전화해 줘",                     # a name ending like a particle (랑)
    "정하늘 씨 바꿔 줘",
    "교통정책과 김민서 팀장님 연결해 줘",        # a department and a name
    "마두1동 최유진 주무관",
    "ㄱㅁㅈ",                                  # initials
    "내선 5201번 연결해 줘",                    # an extension
    "내선 오이공일",
    "불법 주정차 단속 담당자 연결해 주세요",     # a duty
    "스마트레터링 담당",
    "스마트도시과 대표전화 걸어 줘",            # a department's main line
    "교통정책과 서무 담당",
    "교통정책과 팀장님",
]


def test_offline_voice_agrees_with_the_server(page, live_server, make_user, big_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/directory")
    page.evaluate("async () => await window.directoryOffline.sync(true)")
    phone = page.evaluate("""async (phrases) => {
        const out = {};
        for (const p of phrases) out[p] = await window.gyDirectory.voice(p);
        return out;
    }""", COMMON)
    index = get_index(db.session)
    for phrase in COMMON:
        server = match(index, phrase)
        mine = phone[phrase]
        assert mine["candidates"], phrase
        assert mine["candidates"][0]["name"] == server["candidates"][0]["name"], (phrase, mine, server)
        assert mine["action"] == server["action"], (phrase, mine, server)
