"""The one spreadsheet reader (core.spreadsheet) under hostile files, through both importers that use it (the
directory and the lines): XLSX bombs, malformed XML, entity declarations, too many rows or columns, a time budget,
the header checked first; and the console, whose upload request answers at once while the worker reads the file."""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from core import spreadsheet
from core.directory import importer as directory
from core.lettering import lines_import as lines
from core.models.lettering import Line
from core.models.organization import Person
from core.models.tasks import TaskRun
from core.spreadsheet import Limits, SpreadsheetError
from core.tasks import run_now
from extensions import db
from tests.conftest import csrf_token_from

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
# Each importer: its import function, its error, a header and a good data row.
IMPORTERS = {
    "directory": (directory.import_file, directory.ImportFileError,
                  ["성명", "부서", "직통전화"], ["김민준", "교통정책과", "031-8075-1234"]),
    "lines": (lines.import_file, lines.LinesFileError,
              ["회선번호", "부서", "안내문구"], ["031-8075-9571", "대중교통과", "버스 민원 안내 전화입니다"]),
}


def _stored() -> tuple[int, int]:
    return db.session.scalar(select(func.count(Person.id))), db.session.scalar(select(func.count(Line.id)))


def _workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace(data: bytes, name: str, chunks) -> bytes:
    """The workbook with entry ``name`` written (or added) from ``chunks``; streamed, so that a 100 MB sheet is
    never in memory."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        with target.open(name, "w") as entry:
            for chunk in chunks:
                entry.write(chunk)
    return out.getvalue()


def _excel_like(rows: list[list[str]], strings: bytes | None = None) -> bytes:
    """A workbook as Excel writes it: every text cell a shared string (openpyxl writes inline strings)."""
    table = list(dict.fromkeys(cell for row in rows for cell in row))
    cells = "".join(f'<row r="{n}">' + "".join(f'<c t="s"><v>{table.index(c)}</v></c>' for c in row) + "</row>"
                    for n, row in enumerate(rows, 1))
    sst = "".join(f"<si><t>{cell}</t></si>" for cell in table)
    book = _workbook([])
    rels = zipfile.ZipFile(io.BytesIO(book)).read("xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.'
                             b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    book = _replace(book, "xl/_rels/workbook.xml.rels", [rels])
    book = _replace(book, SHEET, [b"<worksheet " + NS + b"><sheetData>" + cells.encode() + b"</sheetData></worksheet>"])
    return _replace(book, STRINGS, [strings or b"<sst " + NS + b">" + sst.encode() + b"</sst>"])


def _bomb_sheet(megabytes: int, header: list[str]):
    head = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in header)
    yield b"<worksheet " + NS + b"><sheetData><row r=\"1\">" + head.encode() + b"</row>"
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (MB // len(row))
    for _ in range(megabytes):
        yield block
    yield b"</sheetData></worksheet>"


@pytest.fixture(params=list(IMPORTERS))
def importer(request, app):
    return IMPORTERS[request.param]


def _refused(importer, data: bytes, name: str = "x.xlsx", **settings) -> str:
    import_file, error, _, _ = importer
    with pytest.raises(error) as info:
        import_file(db.session, data, name, settings=settings)
    assert _stored() == (0, 0)
    return str(info.value)


# --- XLSX bombs -----------------------------------------------------------------------------------------

def test_a_100_mb_sheet_is_refused_before_parsing(importer):
    bomb = _replace(_workbook([importer[2], importer[3]]), SHEET, _bomb_sheet(100, importer[2]))
    assert len(bomb) < MB   # small on disk
    started = time.monotonic()
    message = _refused(importer, bomb)
    assert "압축을 풀면" in message and "최대 50MB" in message
    assert time.monotonic() - started < 1


def test_a_bomb_under_the_size_cap_is_refused_by_its_ratio(importer):
    bomb = _replace(_workbook([importer[2]]), SHEET, _bomb_sheet(20, importer[2]))
    assert "비정상적으로 압축" in _refused(importer, bomb)


def test_the_size_cap_is_a_setting(importer):
    book = _replace(_workbook([importer[2]]), SHEET, _bomb_sheet(2, importer[2]))
    assert "최대 1MB" in _refused(importer, book, IMPORT_MAX_UNZIPPED_MB=1)


# --- malformed XML and entities -------------------------------------------------------------------------

MALFORMED = {
    SHEET: b"<worksheet " + NS + b"><sheetData><row><c><v>1</v></row></sheetData>",
    STRINGS: b"<sst " + NS + b"><si><t>unclosed</si></sst>",
    "xl/workbook.xml": b"<workbook><sheets><sheet name='a' r:id='rId1'/></sheets></workbook>",  # unbound prefix
    "xl/_rels/workbook.xml.rels": b"<Relationships><Relationship Id='rId1' Target=",
}


@pytest.mark.parametrize("part", list(MALFORMED))
def test_malformed_xml_in_any_part_is_a_clear_error(importer, part):
    book = _replace(_excel_like([importer[2], importer[3]]), part, [MALFORMED[part]])
    assert "XLSX 파일의 내용(XML)이 올바르지 않습니다" in _refused(importer, book)


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>')
ENTITIES = {
    SHEET: LAUGHS + b"<worksheet " + NS + b'><sheetData><row><c t="inlineStr"><is><t>&lol3;</t></is></c></row>'
                                          b"</sheetData></worksheet>",
    STRINGS: b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]><sst ' + NS
             + b"><si><t>&x;</t></si></sst>",
    "xl/workbook.xml": b'<!DOCTYPE workbook SYSTEM "http://127.0.0.1:9/evil.dtd"><workbook/>',
}


@pytest.mark.parametrize("part", list(ENTITIES))
def test_entity_declarations_are_refused_not_expanded(importer, part):
    book = _replace(_excel_like([importer[2], importer[3]]), part, [ENTITIES[part]])
    message = _refused(importer, book)
    assert "DOCTYPE" in message and "root:" not in message


# --- rows, columns, time, the header first ---------------------------------------------------------------

def _csv(header: list[str], row: list[str], count: int) -> bytes:
    return ("\n".join([",".join(header), *[",".join(row)] * count]) + "\n").encode()


def test_a_100001_row_csv_is_refused_by_the_directory(app):
    importer = IMPORTERS["directory"]
    started = time.monotonic()
    message = _refused(importer, _csv(importer[2], importer[3], 100_001), "big.csv")
    assert "60,000행까지" in message and time.monotonic() - started < 5


def test_the_directory_row_cap_is_the_setting(app):
    importer = IMPORTERS["directory"]
    rows = [f"사람{i},교통정책과,031-8075-{1000 + i}" for i in range(11)]
    data = ("성명,부서,직통전화\n" + "\n".join(rows) + "\n").encode()
    assert "10행까지" in _refused(importer, data, "a.csv", IMPORT_MAX_ROWS=10)
    report = directory.import_file(db.session, data, "a.csv", settings={"IMPORT_MAX_ROWS": 11})
    assert report.added == 11


def test_lines_keep_their_own_20000_row_cap(app):
    importer = IMPORTERS["lines"]
    assert "20,000행까지" in _refused(importer, _csv(importer[2], importer[3], 20_001), "lines.csv",
                                      IMPORT_MAX_ROWS=60_000)


def test_too_many_columns(importer):
    header = importer[2] + [f"열{i}" for i in range(1_000)]
    assert "열이 너무 많습니다" in _refused(importer, _csv(header, importer[3], 1), "wide.csv")


def test_the_time_budget_stops_a_read():
    data = _csv(["성명", "부서"], ["김", "과"], 1_000)
    with pytest.raises(SpreadsheetError) as info:
        spreadsheet.read(data, "a.csv", Limits(seconds=-1))
    assert "초가 넘게 걸려" in str(info.value)
    book = _workbook([["성명", "부서"], ["김", "과"]])
    with pytest.raises(SpreadsheetError):
        spreadsheet.read(book, "a.xlsx", Limits(seconds=-1))


def test_the_header_is_checked_before_the_rest_is_read(importer):
    header = ["이름", "전화"]
    broken = _replace(_workbook([header]), SHEET, [b"<worksheet " + NS + '><sheetData><row r="1"><c t="inlineStr">'
                                                  "<is><t>이름</t></is></c></row><row><c><v>1".encode()])
    assert "열" in _refused(importer, broken) and "XML" not in _refused(importer, broken)
    assert "열" in _refused(importer, _csv(header, ["a", "b"], 100_001), "wrong.csv")


def test_header_only_reads_no_further_than_the_header(importer):
    """What the console's request does: a file whose header is right passes, whatever follows it."""
    module = directory if importer is IMPORTERS["directory"] else lines
    header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in importer[2])
    broken_after = _replace(_workbook([importer[2]]), SHEET, [
        b"<worksheet " + NS + b'><sheetData><row r="1">' + header.encode() + b"</row><row><c><v>1</c>"])
    assert module.read_rows(broken_after, "a.xlsx", {}, header_only=True) == []
    assert "XML" in _refused(importer, broken_after)
    assert module.read_rows(_csv(importer[2], importer[3], 100_001), "a.csv", {}, header_only=True) == []


# --- what is read ----------------------------------------------------------------------------------------

def test_cells_are_read_as_people_see_them():
    book = _workbook([["성명", "직통전화", "내선", "비고"], ["김민준", 318075123, 1234.0, 1.5],
                      [None, None, None, None], ["  이서연 ", "031-8075-1111", None, True]])
    table = spreadsheet.read(book, "a.xlsx")
    assert table.header == ["성명", "직통전화", "내선", "비고"] and table.header_row == 1
    assert table.rows == [(2, ["김민준", "318075123", "1234", "1.5"]), (4, ["이서연", "031-8075-1111", "", "TRUE"])]
    rich = b"<sst " + NS + ('><si><t>성명</t></si><si><r><t>교통</t></r><r><t xml:space="preserve">정책과</t></r>'
                            "<rPh><t>ignored</t></rPh></si></sst>").encode()
    sheet = b"<worksheet " + NS + ('><sheetData><row r="3"><c r="A3" t="s"><v>0</v></c><c r="C3" t="s"><v>1</v>'
                                   '</c></row><row r="5"><c r="B5" t="inlineStr"><is><t>인라인</t></is></c>'
                                   '<c r="XFD5" s="1"/></row></sheetData></worksheet>').encode()
    table = spreadsheet.read(_replace(_excel_like([["x"]], rich), SHEET, [sheet]), "b.xlsx")
    assert table.header == ["성명", "", "교통정책과"] and table.header_row == 3
    assert table.rows == [(5, ["", "인라인"])]


def test_tab_separated_and_bom_and_cp949_csv():
    assert spreadsheet.read("성명\t부서\n김\t과\n".encode(), "a.csv").rows == [(2, ["김", "과"])]
    assert spreadsheet.read("\ufeff성명,부서\n김,과\n".encode(), "a.csv").header == ["성명", "부서"]
    assert spreadsheet.read("성명,부서\n김,과\n".encode("cp949"), "a.csv").rows == [(2, ["김", "과"])]


# --- the console -------------------------------------------------------------------------------------------

def test_the_console_answers_at_once_and_the_worker_refuses_the_rows(app, admin_client):
    importer = IMPORTERS["directory"]
    token = csrf_token_from(admin_client.get("/admin/directory/import").get_data(as_text=True))
    data = _csv(importer[2], importer[3], 100_001)
    answer = admin_client.post("/admin/directory/import", headers={"HX-Request": "true"},
                               data={"csrf_token": token, "file": (io.BytesIO(data), "big.csv")},
                               content_type="multipart/form-data")
    assert answer.status_code == 200 and 'class="task"' in answer.get_data(as_text=True)
    # The request only checked the header and queued the file: its rows are the worker's (no timing asserted).
    queued = db.session.scalar(select(TaskRun).filter_by(kind="directory_import"))
    assert queued.status == "queued" and not queued.result
    task_id = queued.id
    task = run_now(sessionmaker(bind=db.engine), task_id, app.config)
    assert task.status == "failed" and "60,000행까지" in task.error
    assert _stored() == (0, 0)


def test_the_console_refuses_a_bomb_in_the_request(admin_client):
    importer = IMPORTERS["directory"]
    bomb = _replace(_workbook([importer[2]]), SHEET, _bomb_sheet(100, importer[2]))
    token = csrf_token_from(admin_client.get("/admin/directory/import").get_data(as_text=True))
    started = time.monotonic()
    answer = admin_client.post("/admin/directory/import",
                               data={"csrf_token": token, "file": (io.BytesIO(bomb), "bomb.xlsx")},
                               content_type="multipart/form-data")
    assert answer.status_code == 400 and "압축을 풀면" in answer.get_data(as_text=True)
    assert time.monotonic() - started < 2
    assert db.session.scalar(select(func.count(TaskRun.id))) == 0
