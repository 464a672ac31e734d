"""Unit tests for the Hangul helpers (no database)."""
import pytest

from core import hangul


@pytest.mark.parametrize(("text", "expected"), [
    ("김민준", "ㄱㅁㅈ"),
    ("교통정책과", "ㄱㅌㅈㅊㄱ"),
    ("마두1동", "ㅁㄷ1ㄷ"),
    ("ㄱㅁㅈ", "ㄱㅁㅈ"),
    ("김ㅁㅈ", "ㄱㅁㅈ"),
    ("abc", "abc"),
    ("", ""),
])
def test_initials(text, expected):
    assert hangul.initials(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("김", "ㄱㅣㅁ"),
    ("가", "ㄱㅏ"),
    ("김민중", "ㄱㅣㅁㅁㅣㄴㅈㅜㅇ"),
    ("닭", "ㄷㅏㄺ"),
    ("a1", "a1"),
])
def test_decompose(text, expected):
    assert hangul.decompose(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("  교통  정책과 ", "교통정책과"),
    ("031-8075-1234", "03180751234"),
    ("Kim Min-Jun", "kimminjun"),
    ("마두1동 행정복지센터", "마두1동행정복지센터"),
])
def test_compact(text, expected):
    assert hangul.compact(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("  김민준   주무관 ", "김민준 주무관"),
    ("a\t\nb", "a b"),
    ("", ""),
])
def test_normalize_spacing(text, expected):
    assert hangul.normalize_spacing(text) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("교통정책과", "교통정책"),
    ("고양도시관리공사 주차사업팀", "고양도시관리공사주차사업"),
    ("마두1동 행정복지센터", "마두1동"),
    ("일산서구 세무과", "일산서구세무"),
    ("기획조정실", "기획조정"),
    ("자치행정국", "자치행정"),
    ("감사관", "감사"),
    ("과", "과"),          # nothing but a suffix stays whole
    ("세무", "세무"),
])
def test_strip_department_suffix(name, expected):
    assert hangul.strip_department_suffix(name) == expected


@pytest.mark.parametrize(("name", "organization", "must_have"), [
    ("교통정책과", "고양특례시", {"교통정책과", "교통정책"}),
    ("일산서구 세무과", "고양특례시", {"일산서구세무과", "일산서구세무", "세무과", "세무"}),
    ("마두1동 행정복지센터", "고양특례시", {"마두1동행정복지센터", "마두1동", "마두1", "마두일동"}),
    ("고양도시관리공사 주차사업팀", "고양도시관리공사", {"주차사업팀", "주차사업"}),
])
def test_department_keys(name, organization, must_have):
    keys = hangul.department_keys(name, organization)
    assert must_have <= set(keys)
    assert keys == sorted(keys, key=len, reverse=True)  # longest first, for greedy matching


@pytest.mark.parametrize(("word", "expected"), [
    ("김민준한테", "김민준"),
    ("김민준에게", "김민준"),
    ("민준이랑", "민준"),
    ("과장님께", "과장님"),
    ("김하은", "김하은"),   # 은 is part of the name, not a particle
    ("민준", "민준"),
])
def test_strip_particles(word, expected):
    assert hangul.strip_particles(word) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("김민준", "민준"), ("남궁민수", "민수"), ("이산", "산"), ("황보", "보"),
])
def test_given_name(name, expected):
    assert hangul.given_name(name) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("오공공일", "5001"), ("이삼사오", "2345"), ("5001", "5001"), ("일이삼", "123"), ("김민준", ""), ("", ""),
])
def test_spoken_digits(text, expected):
    assert hangul.spoken_digits(text) == expected


@pytest.mark.parametrize(("text", "initials_only", "has_consonant"), [
    ("ㄱㅁㅈ", True, True), ("김ㅁㅈ", False, True), ("김민준", False, False), ("", False, False),
])
def test_query_kinds(text, initials_only, has_consonant):
    assert hangul.is_initials_query(text) is initials_only
    assert hangul.has_consonant(text) is has_consonant
