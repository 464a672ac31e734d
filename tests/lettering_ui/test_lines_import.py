"""Importing administrative lines from CSV (UTF-8, CP949) and XLSX, and editing one line."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.lettering.lines_import import LineError, LinesFileError, import_file, save_line
from core.lettering.lookup import find_line
from core.models.lettering import Line
from core.models.organization import Department
from extensions import db

SAMPLE = Path(__file__).parent / "data" / "lines-sample.csv"  # a copy of samples/lines-sample.csv
HEADER = "회선번호,내선,부서,표시기관명,안내문구,로고URL\n"


def _count(model=Line) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


def test_sample_file_imports_every_line_in_e164_with_extension(app, departments, sample_bytes):
    report = import_file(db.session, sample_bytes, "lines-sample.csv")
    db.session.commit()
    assert report["added"] == 36 and report["rejected"] == [] and report["updated"] == 0
    line = db.session.scalar(select(Line).where(Line.number == "+823180755705"))
    assert line.extension == "3001" and line.department_name == "교통정책과" and line.institution == "고양특례시"
    assert line.message == "교통 정책 관련 안내 전화입니다" and line.logo_url == ""
    # Existing departments are matched by name; missing ones are created and reported.
    assert db.session.get(Department, line.department_id).name == "교통정책과"
    bus = find_line(db.session, "3005")
    assert bus.department_id == departments["대중교통과"].id
    assert find_line(db.session, "+82 31-8075-5705") is line
    assert "교통정책과" in report["created_departments"] and "대중교통과" not in report["created_departments"]


def test_reimport_updates_in_place_and_reports_unchanged(app, sample_bytes):
    import_file(db.session, sample_bytes, "a.csv")
    db.session.commit()
    first_id = db.session.scalar(select(Line.id).where(Line.number == "+823180755705"))
    old_row = "031-8075-5705,3001,교통정책과,고양특례시,교통 정책 관련 안내 전화입니다,"
    new_row = "031-8075-5705,3001,교통정책과,고양특례시,버스 노선 개편 안내입니다,https://www.goyang.go.kr/logo.png"
    edited = sample_bytes.decode("utf-8").replace(old_row, new_row)
    report = import_file(db.session, edited.encode(), "b.csv")
    db.session.commit()
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 1, 35)
    line = db.session.get(Line, first_id)
    assert line.message == "버스 노선 개편 안내입니다" and line.logo_url == "https://www.goyang.go.kr/logo.png"
    assert _count() == 36


def test_cp949_csv(app):
    data = (HEADER + "0318075-1111,4001,세정과,고양특례시,지방세 안내 전화입니다,\n").encode("cp949")
    report = import_file(db.session, data, "cp949.csv")
    assert report["added"] == 1
    assert db.session.scalar(select(Line.department_name)) == "세정과"


def test_xlsx_with_numbers_as_numbers(app):
    book = Workbook()
    sheet = book.active
    sheet.append(["회선번호", "내선", "부서", "표시기관명", "안내문구", "로고URL"])
    sheet.append(["031-8075-2222", 4002, "재난안전과", "고양특례시", "재난 안전 안내 전화입니다", None])
    sheet.append([318075333, 4003, "재난안전과", None, "재난 안전 안내 전화입니다", None])  # leading 0 lost
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_file(db.session, buffer.getvalue(), "lines.xlsx")
    assert report["added"] == 2, report
    assert {line.number for line in db.session.scalars(select(Line))} == {"+823180752222", "+82318075333"}
    assert db.session.scalar(select(Line).where(Line.extension == "4003")).institution == "고양특례시"


def test_bad_rows_are_rejected_with_row_numbers_and_korean_reasons(app):
    rows = [
        "031-8075-1001,5001,세정과,고양특례시,정상 회선입니다,",                     # row 2: good
        "not-a-number,5002,세정과,고양특례시,안내,",                                 # row 3
        "031-8075-1003,5003,세정과,고양특례시," + "가" * 65 + ",",                  # row 4: too long
        "031-8075-1004,5004,세정과,고양특례시,안내,javascript:alert(1)",            # row 5: bad logo
        "031-8075-1005,5001,세정과,고양특례시,내선 중복,",                           # row 6: extension dup
        "031-8075-1001,5006,세정과,고양특례시,번호 중복,",                           # row 7: number dup
        "031-8075-1007,12,세정과,고양특례시,짧은 내선,",                             # row 8
        "031-8075-1008,5008,,고양특례시,부서 없음,",                                 # row 9
        "",                                                                       # blank line skipped
        "031-8075-1010,5010,세정과,,기관명 비어도 기본값,https://example.org/l.png",  # row 11: good
    ]
    report = import_file(db.session, (HEADER + "\n".join(rows) + "\n").encode(), "bad.csv")
    assert report["added"] == 2
    reasons = {item["row"]: item["reason"] for item in report["rejected"]}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9}
    assert "형식이 올바르지 않습니다" in reasons[3]
    assert "64자" in reasons[4]
    assert "http" in reasons[5]
    assert "내선 5001" in reasons[6] and "2행" in reasons[6]
    assert "2행" in reasons[7]
    assert "3~6자리" in reasons[8]
    assert "부서가 비어" in reasons[9]
    assert db.session.scalar(select(Line).where(Line.extension == "5010")).institution == "고양특례시"


def test_extension_owned_by_another_line_is_rejected(app, lines):
    data = (HEADER + "031-8075-4444,3005,세정과,고양특례시,안내,\n").encode()
    report = import_file(db.session, data, "x.csv")
    assert report["added"] == 0 and "이미 다른 회선" in report["rejected"][0]["reason"]


@pytest.mark.parametrize("data,name,message", [
    (b"", "empty.csv", "비어 있습니다"),
    (b"\xff\xfe\x00\x00garbage\x81", "x.csv", "인코딩"),
    ("이름,전화\n홍길동,010\n".encode(), "wrong.csv", "필수 열"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", "XLSX"),
])
def test_unreadable_file_changes_nothing(app, lines, data, name, message):
    before = [(line.number, line.message) for line in db.session.scalars(select(Line).order_by(Line.id))]
    with pytest.raises(LinesFileError) as excinfo:
        import_file(db.session, data, name)
    assert message in str(excinfo.value)
    db.session.rollback()
    assert [(line.number, line.message) for line in db.session.scalars(select(Line).order_by(Line.id))] == before


def test_progress_callback_reaches_total(app, sample_bytes):
    seen = []
    import_file(db.session, sample_bytes, "s.csv", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (36, 36) and len(seen) == 36


def test_save_line_validates_like_the_import(app, lines):
    with pytest.raises(LineError) as excinfo:
        save_line(db.session, {"number": "031-8075-7159", "extension": "3005", "department": "세정과",
                               "message": "가" * 65, "logo_url": "ftp://x"})
    errors = excinfo.value.errors
    assert {"message", "logo_url"} <= set(errors)
    with pytest.raises(LineError) as excinfo:
        save_line(db.session, {"number": "031-8075-7159", "extension": "3005", "department": "세정과",
                               "message": "안내"})
    assert set(excinfo.value.errors) == {"number", "extension"}
    line = save_line(db.session, {"number": "031 8075 7159", "extension": "3017", "department": "세정과",
                                  "message": "바뀐 안내"}, lines[1])
    assert line.message == "바뀐 안내" and line.number == "+823180757159"


def test_cli_lines_import_prints_report(app, runner, tmp_path, departments):
    path = tmp_path / "lines.csv"
    shutil.copy(SAMPLE, path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("bad,1,세정과,고양특례시,안내,\n")
    result = runner.invoke(args=["lines", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "추가 36" in result.output and "거부 1" in result.output and "38행" in result.output
    assert _count() == 36
    again = runner.invoke(args=["lines", "import", str(path)])
    assert "변경 없음 36" in again.output


def test_cli_unreadable_file_fails_cleanly(app, runner, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04broken")
    result = runner.invoke(args=["lines", "import", str(path)])
    assert result.exit_code != 0 and "아무것도 바꾸지 않았습니다" in result.output
    assert _count() == 0
