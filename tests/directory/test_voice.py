"""The voice matcher against the sample directory: table-driven transcripts as a recogniser writes them."""
import pytest

from core.directory.voice import decide, match
from tests.directory.conftest import memory_index

# transcript, expected action, expected top candidate (name, department), expected parsed fields
CASES = [
    ("교통정책과 김민준 주무관 연결해 줘", "call", ("김민준", "교통정책과"),
     {"name": "김민준", "department": "교통정책과", "title": "주무관"}),
    ("김민준한테 전화해줘", "call", ("김민준", "교통정책과"), {"name": "김민준"}),
    ("김민준에게 전화 걸어 줘", "call", ("김민준", "교통정책과"), {"name": "김민준"}),
    ("김 민 준 님 께 전화 해 주세요", "call", ("김민준", "교통정책과"), {"name": "김민준"}),
    ("김민준 씨 좀 바꿔 줘", "call", ("김민준", "교통정책과"), {"name": "김민준"}),
    ("전화해줘 김민준 주무관", "call", ("김민준", "교통정책과"), {"name": "김민준", "title": "주무관"}),
    ("교통정책 김민중 주무관님 연결해 주세요", "call", ("김민준", "교통정책과"),
     {"name": "김민준", "department": "교통정책과", "fuzzy": True}),
    ("대중교통 김건우 씨 바꿔 줘", "call", ("김건우", "대중교통과"), {"department": "대중교통과"}),
    ("일산서구 세무과 김진영 주무관 연결", "call", ("김진영", "일산서구 세무과"), {"name": "김진영"}),
    ("정보통신과 과장님 연결해 주세요", "call", ("김수빈", "정보통신과"), {"title": "과장"}),
    ("마두일동 동장님 전화", "call", ("김현우", "마두1동 행정복지센터"), {"title": "동장"}),
    ("마두1동 동장님께 전화", "call", ("김현우", "마두1동 행정복지센터"), {"title": "동장"}),
    ("내선 오공공일번 연결해줘", "call", ("이광수", "대중교통과"), {"extension": "5001"}),
    ("5001번으로 전화해 줘", "call", ("이광수", "대중교통과"), {"extension": "5001"}),
    ("내선 2345", "call", ("김민준", "교통정책과"), {"extension": "2345"}),
    ("김영자한테 전화해줘", "choose", None, {"name": "김영자"}),
    ("김진영 주무관 연결", "choose", None, {"name": "김진영"}),
    ("주차교통과 팀장님 연결", "choose", None, {"department": "주차교통과", "title": "팀장"}),
    ("민준이랑 통화", "choose", ("김민준", "교통정책과"), {"name": "민준"}),
    ("불법 주정차 단속 담당자 연결해 주세요", "choose", ("이태현", "주차교통과"), {}),
    ("교통정책과 대표전화 연결해 줘", "call", ("교통정책과 대표전화", "교통정책과"), {"department": "교통정책과"}),
    ("안녕하세요", "none", None, {}),
]


@pytest.fixture(scope="module")
def index():
    return memory_index()


@pytest.mark.parametrize(("transcript", "action", "top", "parsed"), CASES, ids=[c[0] for c in CASES])
def test_voice_matcher(index, transcript, action, top, parsed):
    answer = match(index, transcript)
    assert answer["action"] == action, answer
    for key, value in parsed.items():
        assert answer["parsed"][key] == value, answer["parsed"]
    if top:
        assert (answer["candidates"][0]["name"], answer["candidates"][0]["department"]) == top, answer
    if action == "none":
        assert answer["candidates"] == []
    if action == "choose":
        assert answer["candidates"]


def test_misheard_syllable_alone_ranks_the_real_name_first(index):
    answer = match(index, "김민중한테 전화")
    assert answer["parsed"]["fuzzy"] is True
    assert answer["candidates"][0]["name"] == "김민준"
    # 김민정 is also one syllable away, so the page asks rather than dials.
    assert {"김민준", "김민정"} <= {c["name"] for c in answer["candidates"]}


def test_candidates_carry_search_fields(index):
    candidate = match(index, "김민준한테 전화")["candidates"][0]
    assert set(candidate) == {"id", "name", "organization", "department", "title", "duty", "extension", "phone",
                              "mobile", "email", "score"}
    assert candidate["phone"] == "031-8075-2345" and candidate["mobile"] == "010-2345-6789"


@pytest.mark.parametrize(("scores", "action"), [
    ([], "none"),
    ([100], "call"),
    ([100, 84], "call"),
    ([100, 90], "choose"),      # not clearly ahead
    ([70], "choose"),           # a given name alone is not sure enough to dial
])
def test_decide(scores, action):
    assert decide([(None, s) for s in scores]) == action


def test_matcher_on_the_database_index(directory):
    """The same matcher over the index built from the real tables."""
    from core.directory.voice import voice_dial
    from extensions import db

    answer = voice_dial(db.session, "교통정책과 김민준 주무관 연결해 줘")
    assert answer["action"] == "call" and answer["candidates"][0]["email"] == "minjun@example.go.kr"


def test_names_in_the_transcript_are_found_by_lookup_as_by_scanning_every_name(index):
    """The look-up of the transcript's substrings finds what testing each name against it would."""
    from core.directory.voice import _names_in

    names = [n for n in index.by_name if len(n) >= 2]
    phrases = [f"{a}{b}한테전화해줘" for a, b in zip(names, reversed(names), strict=True)] + [
        f"교통정책과{n}주무관" for n in names] + ["아무도없는말", "김", ""]
    for text in phrases:
        scanned = [n for n in names if n in text]
        word, found = _names_in(index, text)
        if scanned:
            assert len(word) == max(map(len, scanned)) and word in scanned and found == [(word, 0.0)], text
        else:
            assert not found or found[0][1] > 0, text
    assert index.longest_name == max(map(len, index.by_name))
