"""Directory fixtures: the shared sample file plus a few people the voice tests talk about."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from core.directory.importer import _parse, import_file, read_rows
from core.directory.index import DirectoryIndex, assemble
from extensions import db

SAMPLE = Path("/work/shared/samples/directory-sample.csv")
if not SAMPLE.exists():  # a clone outside the shared workspace keeps its own copy
    SAMPLE = Path(__file__).resolve().parent / "data" / "directory-sample.csv"

HEADER = "성명,소속기관,상위부서,부서,직위,직급,담당업무,내선,직통전화,휴대전화,이메일,구분"
EXTRA = "\n".join([
    HEADER,
    "김민준,고양특례시,교통국,교통정책과,주무관,지방행정주사보,교통영향평가,2345,031-8075-2345,010-2345-6789,"
    "minjun@example.go.kr,직원",
    "김민정,고양특례시,자치행정국,정보통신과,주무관,지방전산주사보,정보보안,2346,031-8075-2346,010-2345-6790,"
    "minjeong@example.go.kr,직원",
    "박서준,고양특례시,교통국,교통정책과,팀장,지방행정주사,교통정책 수립,2347,031-8075-2347,010-2345-6791,"
    "seojun@example.go.kr,직원",
    "민준혁,고양특례시,교통국,교통정책과,주무관,지방행정서기,자전거 정책,2348,031-8075-2348,,"
    "junhyuk@example.go.kr,직원",
    "최하은,고양특례시,교통국,대중교통과,주무관,지방행정서기,교통정책 수립 지원,2349,031-8075-2349,,"
    "haeun@example.go.kr,직원",
    "정우성,고양특례시,교통국,광역교통정책팀,주무관,지방행정서기,광역버스,2350,031-8075-2350,,woosung@example.go.kr,직원",
    "교통정책과 대표전화,고양특례시,교통국,교통정책과,,,교통정책과 대표 번호,2300,031-8075-2300,,,연락처",
]) + "\n"


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def directory(app, sample_bytes):
    """The 42 sample people plus 7 extra rows, imported through the real importer."""
    first = import_file(db.session, sample_bytes, "directory-sample.csv")
    second = import_file(db.session, EXTRA.encode(), "extra.csv")
    db.session.commit()
    assert first.added == 42 and second.added == 7, (first, second)
    return first


@pytest.fixture
def staff_client(client, make_user, login):
    make_user("staff1", role="staff", display_name="직원")
    login("staff1")
    return client


@pytest.fixture
def admin_client(client, make_user, login):
    make_user("boss", role="admin", display_name="관리자")
    login("boss")
    return client


def memory_index(more: str = "") -> DirectoryIndex:
    """The same people as ``directory`` (and the rows of ``more``), indexed straight from the parsed files
    with no database: the matcher's unit tests run in microseconds."""
    return assemble(*memory_rows(more))


def memory_rows(more: str = "") -> tuple[list, list]:
    """``memory_index``'s rows: people and departments shaped like ``build_index``'s queries."""
    people, departments = [], {}
    rows = read_rows(SAMPLE.read_bytes(), SAMPLE.name) + read_rows(EXTRA.encode(), "extra.csv")
    if more:
        rows += read_rows(more.encode(), "more.csv")
    for number, (_, record) in enumerate(rows, 1):
        values, reason = _parse(record)
        assert values is not None, reason
        organization, department, parent = values.pop("_dept")
        dept_id = departments.setdefault((organization, department), len(departments) + 1)
        people.append(SimpleNamespace(id=number, department_id=dept_id, department=department,
                                      organization=organization, parent=parent, **values))
    return people, [SimpleNamespace(id=i, name=d, organization=o) for (o, d), i in departments.items()]


# Issue 12: a department of 53 (52 staff and its main line) to page through, other departments' main lines,
# and 서무 duties inside and outside 교통정책과, for the department scoping of search and voice.
SURNAMES, GIVEN = "남도마봉석", ("가온", "나래", "다온", "라온", "보람", "새롬", "아름", "예솔", "하랑", "한결", "해솔")
BIG_DEPARTMENT = "스마트도시과"
BIG_NAMES = [s + g for s in SURNAMES for g in GIVEN][:52]
MAIN_LINES = ("스마트도시과", "정보통신과", "대중교통과", "주차교통과", "민원여권과", "일산서구 세무과",
              "마두1동 행정복지센터", "광역교통정책팀", "대중교통정책과", "도시재생과", "공원관리과")
SCOPING = "\n".join([
    HEADER,
    *(f"{name},고양특례시,도시정책국,{BIG_DEPARTMENT},주무관,지방행정주사보,스마트시티 {i % 7}번 사업,"
      f"{7000 + i},031-8075-{7000 + i},,smart{i}@example.go.kr,직원" for i, name in enumerate(BIG_NAMES)),
    *(f"{dept} 대표전화,고양특례시,,{dept},,,{dept} 대표 번호,{3100 + i},031-8075-{3100 + i},,,연락처"
      for i, dept in enumerate(MAIN_LINES)),
    "오세영,고양특례시,교통국,교통정책과,주무관,,서무 및 예산,2351,031-8075-2351,,seyoung@example.go.kr,직원",
    "윤서아,고양특례시,일산동구,마두1동 행정복지센터,주무관,,서무,6102,031-909-6102,,seoa@example.go.kr,직원",
    "한지민,고양특례시,일산동구,마두2동 행정복지센터,주무관,,서무 담당,6202,031-909-6202,,jimin@example.go.kr,직원",
]) + "\n"


@pytest.fixture
def scoping_directory(directory):
    """``directory`` plus the 53-entry 스마트도시과, eleven main lines and three 서무 duties."""
    added = import_file(db.session, SCOPING.encode(), "scoping.csv")
    db.session.commit()
    assert added.added == 52 + len(MAIN_LINES) + 3, added
    return added


def scoping_index() -> DirectoryIndex:
    """``memory_index`` with the scoping rows too."""
    return memory_index(SCOPING)
