"""The phone-side search over the stored snapshot (static/js/directory-offline.js), run in
Chromium against a snapshot downloaded from the live server."""
import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def synced_page(page, live_server, make_user, staff_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    count = page.evaluate("async () => (await window.directoryOffline.sync(true)).count")
    assert count == len(staff_directory)
    return page


def names(page, query: str) -> list[str]:
    return page.evaluate("async (q) => (await window.directoryOffline.search(q)).map(e => e.name)", query)


FIRST_HIT = {
    "김민준": "김민준", "민준": "김민준", "ㄱㅁㅈ": "김민준", "김ㅁㅈ": "김민준", "김민ㅈ": "김민준",
    "ㅁㅈ": "김민준", "ㄱㅁㅅ": "김민서",
    "5101": "김민준", "8075 5201": "이서연", "80755201": "이서연", "01061011234": "최유진", "1234": "김민준",
    "스마트레터링": "정하늘", "불법 주정차": "이서연", "팀장": "김민서",
    "마두1동": "최유진", "마두1": "최유진", "마두 1동 행정복지센터": "최유진",
}


def test_offline_search_finds_by_name_initials_digits_duty_and_department(synced_page):
    found = synced_page.evaluate("""async (queries) => {
        const out = {};
        for (const q of queries) out[q] = ((await window.directoryOffline.search(q))[0] || {}).name || null;
        return out;
    }""", list(FIRST_HIT))
    assert found == FIRST_HIT


def test_department_with_or_without_suffix_finds_the_same_people(synced_page):
    with_suffix = names(synced_page, "주차교통과")
    assert sorted(with_suffix) == ["박지훈", "이서연"]
    assert sorted(names(synced_page, "주차교통")) == sorted(with_suffix)
    assert sorted(names(synced_page, "주차 교통 과")) == sorted(with_suffix)


def test_ranking_puts_exact_before_prefix_before_contains(synced_page):
    assert names(synced_page, "김민")[:2] == ["김민서", "김민준"]
    assert names(synced_page, "김민서")[0] == "김민서"
    # Department and name words together narrow to one person.
    assert names(synced_page, "교통정책과 김민준") == ["김민준"]


def test_nothing_matches_nonsense(synced_page):
    assert names(synced_page, "ㅋㅋㅋ") == []
    assert names(synced_page, "   ") == []


def test_snapshot_survives_a_new_page(synced_page, live_server):
    synced_page.goto(f"{live_server.url}/more")
    stored = synced_page.evaluate("async () => { const s = await window.directoryOffline.snapshot();"
                                  " return [s.count, s.etag, s.entries.length]; }")
    assert stored[0] == 6 and stored[2] == 6 and stored[1].startswith('"')


# Issue 12: typed the way people speak, read with the rules the snapshot ships (core/directory/query.py).
SPOKEN_STYLE = {
    "내선 5201": "이서연", "내선5101": "김민준", "교통정책과 팀장님": "김민서", "불법 주정차 담당자": "이서연",
    "정하늘 연락처": "정하늘", "스마트레터링 담당 번호": "정하늘", "김민준한테 전화해 줘": "김민준",
    "마두1동 주무관": "최유진",
}


def test_offline_search_reads_typed_requests_with_the_shipped_rules(synced_page):
    rules = synced_page.evaluate("async () => (await window.directoryOffline.snapshot()).rules")
    from core.directory.query import word_lists

    assert rules["words"] == word_lists()
    assert {"name": "교통정책과", "organization": "고양특례시"}.items() <= rules["departments"][0].items()
    found = synced_page.evaluate("""async (queries) => {
        const out = {};
        for (const q of queries) out[q] = ((await window.directoryOffline.search(q))[0] || {}).name || null;
        return out;
    }""", list(SPOKEN_STYLE))
    assert found == SPOKEN_STYLE
    # A department and a name from another one: found, and said to be a partial match.
    partial = synced_page.evaluate("async () => await window.directoryOffline.find('주차교통과 정하늘')")
    assert partial["partial"] is True and [e["name"] for e in partial["results"]] == ["정하늘"]
    assert names(synced_page, "교통정책과 김민준") == ["김민준"]
    whole = synced_page.evaluate("async () => await window.directoryOffline.find('교통정책과 김민준')")
    assert whole["partial"] is False


def test_the_copy_is_fetched_after_the_page_has_loaded(page, live_server, make_user, staff_directory):
    """The snapshot never competes with the first page's own files: its request starts after the load event."""
    make_user("kim")
    browser_login(page, live_server.url, "kim")   # the first signed-in page fetches the copy
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some(e => e.name.includes('/api/directory/snapshot'))", timeout=15_000)
    loaded, started = page.evaluate("""() => [performance.getEntriesByType('navigation')[0].loadEventEnd,
        performance.getEntriesByType('resource').find(e => e.name.includes('/api/directory/snapshot')).startTime]""")
    assert loaded > 0 and started >= loaded
