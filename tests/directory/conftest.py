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


def memory_index() -> DirectoryIndex:
    """The same people as ``directory``, indexed straight from the parsed files with no database:
    the matcher's unit tests run in microseconds."""
    people, departments = [], {}
    rows = read_rows(SAMPLE.read_bytes(), SAMPLE.name) + read_rows(EXTRA.encode(), "extra.csv")
    for number, (_, record) in enumerate(rows, 1):
        values, reason = _parse(record)
        assert values is not None, reason
        organization, department, parent = values.pop("_dept")
        dept_id = departments.setdefault((organization, department), len(departments) + 1)
        people.append(SimpleNamespace(id=number, department_id=dept_id, department=department,
                                      organization=organization, parent=parent, **values))
    return assemble(people, [SimpleNamespace(id=i, name=d, organization=o) for (o, d), i in departments.items()])
