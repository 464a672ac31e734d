"""Importing HR exports: encodings, XLSX, updates in place, rejections, unreadable files."""
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.directory.importer import HEADERS, ImportFileError, import_file
from core.models.organization import Department, Person
from extensions import db

HEADER = ",".join(HEADERS)


def count() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def person(email: str) -> Person:
    return db.session.scalar(select(Person).filter_by(email=email))


def test_utf8_with_bom_sample(app, sample_bytes):
    assert sample_bytes.startswith(b"\xef\xbb\xbf") or sample_bytes[:1] != b"\xef"
    data = sample_bytes if sample_bytes.startswith(b"\xef\xbb\xbf") else b"\xef\xbb\xbf" + sample_bytes
    report = import_file(db.session, data, "directory-sample.csv")
    db.session.commit()
    assert (report.added, report.updated, report.unchanged, report.rejected) == (42, 0, 0, [])
    kim = person("staff5001@example.go.kr")
    assert kim.name == "이광수" and kim.phone == "+823180754179" and kim.mobile == "+821003433460"
    assert kim.department.name == "대중교통과" and kim.department.parent == "교통국"
    assert kim.department.organization == "고양특례시" and kim.extension == "5001" and kim.kind == "staff"
    assert db.session.scalar(select(Department).filter_by(name="마두1동 행정복지센터")).search_key == "마두1동"


def test_cp949(app, sample_bytes):
    data = sample_bytes.decode("utf-8-sig").encode("cp949")
    report = import_file(db.session, data, "hr-export.csv")
    db.session.commit()
    assert report.added == 42 and not report.rejected
    assert person("staff5038@example.go.kr").department.name == "고양도시관리공사 주차사업팀"


def test_xlsx_with_numeric_cells(app, sample_bytes):
    book = Workbook()
    sheet = book.active
    lines = sample_bytes.decode("utf-8-sig").splitlines()
    sheet.append(lines[0].split(","))
    for line in lines[1:]:
        cells = line.split(",")
        cells[7] = int(cells[7])  # Excel keeps extensions as numbers
        sheet.append(cells)
    sheet.append(["박엑셀", "고양특례시", "교통국", "교통정책과", "주무관", "", "엑셀 테스트", 6001,
                  3180756001, "", "excel@example.go.kr"])  # the direct line lost its leading zero
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_file(db.session, buffer.getvalue(), "hr-export.xlsx")
    db.session.commit()
    assert report.added == 43 and not report.rejected
    excel = person("excel@example.go.kr")
    assert excel.extension == "6001" and excel.phone == "+823180756001"


def test_reimport_updates_in_place(app, sample_bytes):
    import_file(db.session, sample_bytes, "a.csv")
    db.session.commit()
    before = person("staff5008@example.go.kr")
    person_id, department_id = before.id, before.department_id
    changed = sample_bytes.decode("utf-8-sig").replace("지방행정주사,불법 주정차 단속,5008",
                                                        "지방행정주사,견인 업무 총괄,5008")
    report = import_file(db.session, changed.encode(), "b.csv")
    db.session.commit()
    assert (report.added, report.updated, report.unchanged) == (0, 1, 41)
    db.session.expire_all()
    after = person("staff5008@example.go.kr")
    assert after.id == person_id and after.department_id == department_id and after.duty == "견인 업무 총괄"
    assert count() == 42
    again = import_file(db.session, changed.encode(), "b.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 42)


def test_rows_without_email_are_keyed_on_direct_line(app):
    first = f"{HEADER}\n홍길동,고양특례시,복지국,노인복지과,주무관,,경로당 지원,7001,031-8075-7001,,\n"
    import_file(db.session, first.encode(), "a.csv")
    db.session.commit()
    moved = f"{HEADER}\n홍길동,고양특례시,복지국,장애인복지과,주무관,,장애인 활동 지원,7001,0318075-7001,,\n"
    report = import_file(db.session, moved.encode(), "b.csv")
    db.session.commit()
    assert (report.added, report.updated) == (0, 1)
    hong = db.session.scalar(select(Person).filter_by(name="홍길동"))
    assert count() == 1 and hong.department.name == "장애인복지과" and hong.duty == "장애인 활동 지원"


def test_bad_rows_are_reported_and_good_rows_still_imported(app):
    rows = [
        HEADER,
        "김정상,고양특례시,복지국,노인복지과,주무관,,경로,7001,031-8075-7001,010-2345-7001,ok1@example.go.kr",  # 2
        ",고양특례시,복지국,노인복지과,주무관,,,7002,031-8075-7002,,noname@example.go.kr",  # 3
        "김번호,고양특례시,복지국,노인복지과,주무관,,,7003,031-80,,badphone@example.go.kr",  # 4
        "김메일,고양특례시,복지국,노인복지과,주무관,,,7004,031-8075-7004,,not-an-email",  # 5
        "김없음,고양특례시,복지국,노인복지과,주무관,,,7005,,,",  # 6
        "김중복,고양특례시,복지국,노인복지과,주무관,,,7006,031-8075-7006,,ok1@example.go.kr",  # 7
        "김부서,고양특례시,복지국,,주무관,,,7007,031-8075-7007,,nodept@example.go.kr",  # 8
        "김내선,고양특례시,복지국,노인복지과,주무관,,,내선없음,031-8075-7008,,ext@example.go.kr",  # 9
        "김휴대,고양특례시,복지국,노인복지과,주무관,,,7009,031-8075-7009,010-12,mobile@example.go.kr",  # 10
        "",  # 11
        "김정상둘,고양특례시,복지국,노인복지과,주무관,,,7012,031-8075-7012,,ok2@example.go.kr",  # 12
        "김열많음,고양특례시,복지국,노인복지과,주무관,,,7013,031-8075-7013,,ok3@example.go.kr,남는값",  # 13
    ]
    report = import_file(db.session, "\n".join(rows).encode(), "mixed.csv")
    db.session.commit()
    assert report.added == 2 and count() == 2
    reasons = {r.row: r.reason for r in report.rejected}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10, 13}
    assert "성명" in reasons[3]
    assert "직통전화" in reasons[4]
    assert "이메일" in reasons[5]
    assert "이메일과 직통전화" in reasons[6]
    assert "2행" in reasons[7]
    assert "부서" in reasons[8]
    assert "내선" in reasons[9]
    assert "휴대전화" in reasons[10]
    assert "열" in reasons[13]
    as_dict = report.as_dict()
    assert as_dict["rejected_count"] == 9
    assert as_dict["rejected"][0] == {"row": 3, "reason": "성명이 비어 있습니다.", "name": "",
                                      "msgid": "성명이 비어 있습니다.", "params": {}}
    # The report keeps the msgid and its values apart, for the console to show in the reader's language.
    assert as_dict["rejected"][1] == {"row": 4, "reason": "직통전화 형식이 올바르지 않습니다: 031-80", "name": "김번호",
                                      "msgid": "직통전화 형식이 올바르지 않습니다: %(value)s",
                                      "params": {"value": "031-80"}}
    assert reasons[7] == "2행과 이메일이 같습니다."


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "empty.csv", "비어"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "photo.csv", "CSV"),
    (bytes(range(128, 256)) * 4, "garbage.csv", "인코딩"),
    ("이름,부서명\n김민준,교통정책과\n".encode(), "wrong-header.csv", "머리글"),
    (b"PK\x03\x04not really a zip file", "broken.xlsx", "XLSX"),
    (f"{HEADER}\n".encode(), "header-only.csv", "데이터"),
])
def test_unreadable_file_changes_nothing(app, sample_bytes, data, filename, message):
    import_file(db.session, sample_bytes, "a.csv")
    db.session.commit()
    with pytest.raises(ImportFileError, match=message):
        import_file(db.session, data, filename)
    db.session.rollback()
    assert count() == 42


def test_progress_reaches_total(app, sample_bytes):
    calls = []
    import_file(db.session, sample_bytes, "a.csv", progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (42, 42)
