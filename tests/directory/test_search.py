"""Ranked search over the sample directory, one test per kind of match."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.directory import index as directory_index
from core.directory.importer import import_file
from core.directory.search import search_directory
from core.models.organization import Person
from core.timeutil import utcnow
from extensions import db


def names(results):
    return [r["name"] for r in results]


def tier(result) -> int:
    return int(result["score"] // 100)  # 4 exact, 3 prefix, 2 contains, 1 fuzzy


def test_whole_name_is_exact_and_first(directory):
    results = search_directory(db.session, "김민준")
    assert results[0]["name"] == "김민준" and tier(results[0]) == 4
    assert all(tier(r) < 4 for r in results[1:])


def test_partial_name_is_prefix(directory):
    results = search_directory(db.session, "김민")
    assert {"김민준", "김민정", "김민서"} <= set(names(results))
    assert all(tier(r) == 3 for r in results if r["name"].startswith("김민"))


def test_given_name_alone(directory):
    results = search_directory(db.session, "민준")
    assert results[0]["name"] == "김민준" and tier(results[0]) == 4
    assert "민준혁" in names(results)  # a name starting with 민준: prefix, after the exact given name
    assert names(results).index("김민준") < names(results).index("민준혁")


def test_exact_before_prefix_before_contains_before_fuzzy(directory):
    results = search_directory(db.session, "교통정책")
    by_name = {r["name"]: tier(r) for r in results}
    assert by_name["김민준"] == 4       # 교통정책과 without its suffix
    assert by_name["최하은"] == 3       # duty "교통정책 수립 지원"
    assert by_name["정우성"] == 2       # 광역교통정책팀
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    fuzzy = search_directory(db.session, "김민중")
    assert fuzzy[0]["name"] == "김민준" and tier(fuzzy[0]) == 1


@pytest.mark.parametrize("query", ["ㄱㅁㅈ", "김ㅁㅈ", "ㄱ민ㅈ"])
def test_initial_consonants(directory, query):
    found = names(search_directory(db.session, query))
    assert "김민준" in found and "김민정" in found
    assert "박서준" not in found


def test_initials_of_a_department(directory):
    results = search_directory(db.session, "ㅈㅂㅌㅅ")
    assert results and {r["department"] for r in results} == {"정보통신과"}


@pytest.mark.parametrize("query", ["교통정책과", "교통정책", "교통 정책과", "교통 정책", " 교통정책과 "])
def test_department_with_or_without_suffix_and_spacing(directory, query):
    results = search_directory(db.session, query, limit=50)
    top = [r for r in results if tier(r) == 4]
    assert {r["department"] for r in top} == {"교통정책과"}
    assert {"김민준", "박서준", "민준혁", "교통정책과 대표전화"} <= {r["name"] for r in top}


@pytest.mark.parametrize(("query", "department"), [
    ("마두1동", "마두1동 행정복지센터"), ("마두 1동", "마두1동 행정복지센터"),
    ("마두1동 행정복지센터", "마두1동 행정복지센터"),
    ("세무과", "일산서구 세무과"), ("일산서구세무", "일산서구 세무과"), ("주차사업", "고양도시관리공사 주차사업팀"),
])
def test_district_centre_and_related_departments(directory, query, department):
    results = search_directory(db.session, query)
    assert results and results[0]["department"] == department


def test_title(directory):
    results = search_directory(db.session, "팀장", limit=50)
    exact = [r for r in results if tier(r) == 4]
    assert exact and all(r["title"] == "팀장" for r in exact)


@pytest.mark.parametrize(("query", "expected"), [
    ("불법 주정차", "이태현"), ("주정차 단속", "이태현"), ("스마트레터링", "김민서"), ("여권", "이성호"),
])
def test_duty(directory, query, expected):
    assert expected in names(search_directory(db.session, query))


def test_extension(directory):
    results = search_directory(db.session, "5001")
    assert results[0]["name"] == "이광수" and tier(results[0]) == 4
    prefix = search_directory(db.session, "501", limit=50)
    assert {"김지우", "김상훈", "이명숙"} <= set(names(prefix))  # 5010, 5011, 5012
    assert all(tier(r) == 3 for r in prefix)


@pytest.mark.parametrize(("query", "expected"), [
    ("031-8075-4179", "이광수"), ("8075-4179", "이광수"), ("4179", "이광수"), ("80754179", "이광수"),
    ("0343", "이광수"), ("010-0343-3460", "이광수"), ("928-3894", "김아름"),
])
def test_any_run_of_phone_digits(directory, query, expected):
    assert expected in names(search_directory(db.session, query, limit=50))


def test_multiword_department_and_name(directory):
    results = search_directory(db.session, "교통정책과 김민준")
    assert results[0]["name"] == "김민준"


def test_nothing_and_blank(directory):
    assert search_directory(db.session, "존재하지않는사람") == []
    assert search_directory(db.session, "   ") == []
    assert len(search_directory(db.session, "김", limit=3)) == 3


def test_import_is_searchable_at_once(directory):
    assert search_directory(db.session, "홍길동") == []
    csv = "성명,소속기관,상위부서,부서,직위,직급,담당업무,내선,직통전화,휴대전화,이메일\n" \
          "홍길동,고양특례시,복지국,노인복지과,주무관,,경로당 지원,7777,031-8075-7777,,hong@example.go.kr\n"
    import_file(db.session, csv.encode(), "one.csv")
    db.session.commit()
    assert names(search_directory(db.session, "홍길동")) == ["홍길동"]


def test_changes_from_another_process_are_seen(directory, monkeypatch):
    """Another worker (or machine, on PostgreSQL) edits the table behind this process's back."""
    assert search_directory(db.session, "김민준")
    monkeypatch.setattr(directory_index, "CHECK_SECONDS", 0.0)
    other = sa.create_engine(db.engine.url)
    with other.begin() as conn:
        conn.execute(sa.update(Person).where(Person.email == "minjun@example.go.kr")
                     .values(name="김민수", updated_at=utcnow() + timedelta(seconds=1)))
    other.dispose()
    db.session.commit()  # end this session's read transaction, as a new request would
    assert "김민수" in names(search_directory(db.session, "김민수"))
    assert "김민준" not in names(search_directory(db.session, "김민준"))


def test_orm_edit_in_this_process_is_seen_at_once(directory):
    assert search_directory(db.session, "김민준")  # builds the index
    kim = db.session.scalar(sa.select(Person).filter_by(email="minjun@example.go.kr"))
    kim.duty = "자율주행 실증"
    db.session.commit()
    assert names(search_directory(db.session, "자율주행")) == ["김민준"]
