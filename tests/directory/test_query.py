"""Issue 12: one reading of a request for typed search and voice, department scoping, partial matches, paging."""
import random

import pytest

from core import hangul
from core.directory.query import GENERIC_WORDS, parse_spoken, parse_typed, word_lists
from core.directory.search import search_page
from core.directory.voice import match
from tests.directory.conftest import BIG_DEPARTMENT, BIG_NAMES, scoping_index


@pytest.fixture(scope="module")
def index():
    return scoping_index()


def top(index, query, n=1):
    return [(e.name, e.department) for e, _ in search_page(index, query, 0, 30).hits[:n]]


# What a typed query keeps to match, what it drops, and the department that scopes it.
TYPED = [
    ("내선 1234", ["1234"], ["내선"], ""),
    ("내선1234", ["1234"], ["내선1234"], ""),
    ("내선 오공공일", ["5001"], ["내선", "오공공일"], ""),
    ("택시 면허 담당자", ["택시", "면허"], ["담당자"], ""),
    ("민원 담당 연락처", ["민원"], ["담당", "연락처"], ""),
    ("교통정책과 팀장님", ["팀장"], ["팀장님"], "교통정책과"),
    ("김민준한테 전화해 줘", ["김민준"], ["김민준한테", "전화해", "줘"], ""),
    ("스마트도시과 대표전화 걸어줘", ["대표전화"], ["걸어줘"], "스마트도시과"),
    ("교통 정책과", [], [], "교통정책과"),
    ("불법 주정차", ["불법", "주정차"], [], ""),
]


@pytest.mark.parametrize(("query", "words", "dropped", "department"), TYPED, ids=[t[0] for t in TYPED])
def test_typed_reading(index, query, words, dropped, department):
    parsed = parse_typed(index, query)
    assert (parsed.words, parsed.dropped, parsed.department) == (words, dropped, department)


# The same request typed and spoken finds the same person first.
SAME = [
    ("내선 2345", ("김민준", "교통정책과")),
    ("택시 면허 담당자", ("이종민", "대중교통과")),
    ("교통정책과 팀장님", ("박서준", "교통정책과")),
    ("스마트도시과 대표전화 걸어줘", ("스마트도시과 대표전화", "스마트도시과")),
    ("교통정책과 서무 담당", ("오세영", "교통정책과")),
    ("김민준한테 전화해줘", ("김민준", "교통정책과")),
    ("내선 오공공일번", ("이광수", "대중교통과")),
    ("남하랑이랑 통화할래", ("남하랑", "스마트도시과")),   # 랑 ends the name here, it is not a particle
    ("남하랑", ("남하랑", "스마트도시과")),
]


@pytest.mark.parametrize(("phrase", "expected"), SAME, ids=[s[0] for s in SAME])
def test_typed_and_spoken_agree(index, phrase, expected):
    assert top(index, phrase) == [expected]
    answer = match(index, phrase)
    assert (answer["candidates"][0]["name"], answer["candidates"][0]["department"]) == expected, answer


def test_generic_words_alone_are_not_matched_against_every_entry(index):
    for word in GENERIC_WORDS:
        assert search_page(index, f"{word} 좀").window.total == 0, word


def test_every_meaningful_word_must_match(index):
    found = search_page(index, "택시 면허 담당자")
    assert [e.name for e, _ in found.hits] == ["이종민"] and not found.partial
    assert search_page(index, "민원 담당 연락처").window.total >= 3


def test_nothing_matches_every_word_falls_back_to_partial_matches(index):
    found = search_page(index, "여권 택시 담당")
    assert found.partial and {"이성호", "이종민"} <= {e.name for e, _ in found.hits}
    assert not search_page(index, "여권 발급").partial


def test_a_request_verb_is_not_a_word_to_match(index):
    found = search_page(index, "남하랑이랑 통화할래")
    assert [e.name for e, _ in found.hits] == ["남하랑"] and not found.partial


def test_a_named_department_scopes_typed_search(index):
    found = search_page(index, "교통정책과 서무 담당", 0, 30)
    assert [e.name for e, _ in found.hits] == ["오세영"] and found.department == "교통정책과"
    lines = search_page(index, "스마트도시과 대표전화", 0, 30)
    assert [e.name for e, _ in lines.hits] == ["스마트도시과 대표전화"]
    # The department alone: its people, the main line first.
    whole = search_page(index, "스마트도시과 연락처", 0, 100)
    assert whole.window.total == 53 and whole.hits[0][0].name == "스마트도시과 대표전화"
    # Somebody not in the named department: still found, and said to be a partial match.
    elsewhere = search_page(index, "교통정책과 김민정")
    assert [e.name for e, _ in elsewhere.hits] == ["김민정"] and elsewhere.partial


def test_a_named_department_scopes_voice(index):
    answer = match(index, "스마트도시과 대표전화 걸어 줘")
    assert answer["action"] == "call" and answer["candidates"][0]["name"] == "스마트도시과 대표전화"
    answer = match(index, "교통정책과 서무 담당")
    assert {c["department"] for c in answer["candidates"]} == {"교통정책과"}
    assert answer["candidates"][0]["name"] == "오세영"


def test_paging_through_a_department_of_53(index):
    seen, offset = [], 0
    while True:
        page = search_page(index, BIG_DEPARTMENT, offset, 20)
        assert page.window.total == 53
        seen += [e.name for e, _ in page.hits]
        if not page.window.has_next:
            break
        offset = page.window.next_offset
    assert len(seen) == 53 == len(set(seen))
    assert set(seen) == {*BIG_NAMES, "스마트도시과 대표전화"}
    assert search_page(index, BIG_DEPARTMENT, 60, 20).hits == []


def test_spoken_reading_uses_the_shared_lists(index):
    parsed = parse_spoken(index, "교통정책과 김민준 주무관님께 전화 걸어 주세요")
    assert (parsed.department, parsed.title, parsed.query) == ("교통정책과", "주무관", "김민준")
    lists = word_lists()
    assert "한테" in lists["particles"] and "님" in lists["honorifics"] and "연결" in lists["action_words"]
    assert lists["digit_words"]["공"] == "0" and "담당자" in lists["generic_words"]
    assert lists["titles"] == list(hangul.TITLES)


ALPHABET = "김민준교통정책과팀장님내선번호전화연결해줘주세요담당자 0123456789ㄱㅁㅈ한테에게이랑씨께-()·.!?%_\\'\"\t\n" \
           "오공일이삼사번으로🙂\u200b\x00"


def test_fuzzing_the_readings_never_raises(index):
    rng = random.Random(12)
    for _ in range(1500):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        parse_typed(index, text)
        parse_spoken(index, text)
        found = search_page(index, text, rng.randint(0, 60), rng.randint(1, 30))
        assert found.window.total >= len(found.hits)
        match(index, text)
