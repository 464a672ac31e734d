"""core.spreadsheet.read_records: what every importer gets from a file, and its problems as the importer's error."""
import pytest

from core import spreadsheet
from core.i18n import MessageError
from core.spreadsheet import Limits


class CallerError(MessageError):
    """An importer's own file error."""


def _records(text: str, **kwargs):
    return spreadsheet.read_records(text.encode(), "a.csv", Limits(), error=CallerError, **kwargs)


def test_rows_become_records_keyed_by_header():
    assert _records("성명,부서\n김민준,교통정책과\n\n이서연\n") == [
        (2, {"성명": "김민준", "부서": "교통정책과"}), (4, {"성명": "이서연", "부서": ""})]


def test_a_value_beyond_the_header_marks_the_row():
    (number, record), = _records("성명,부서\n김민준,교통,정책과\n")
    assert record[spreadsheet.EXTRA] == "1" and record["부서"] == "교통" and number == 2
    (_, plain), = _records("성명,부서\n김민준,교통정책과,\n")
    assert spreadsheet.EXTRA not in plain   # an empty trailing cell is only a trailing comma


def test_problems_are_the_callers_error_with_the_spreadsheets_message():
    with pytest.raises(CallerError) as empty:
        spreadsheet.read_records(b"", "a.csv", Limits(), error=CallerError)
    assert empty.value.detail["msgid"] == "파일이 비어 있습니다."
    with pytest.raises(CallerError) as header_only:
        _records("성명,부서\n")
    assert header_only.value.detail["msgid"] == "머리글만 있고 데이터 행이 없습니다."
    with pytest.raises(CallerError) as too_many:
        spreadsheet.read_records(b"a\n1\n2\n", "a.csv", Limits(max_rows=1), error=CallerError)
    assert "%(max)s" in too_many.value.detail["msgid"]


def test_header_only_checks_the_header_and_returns_nothing():
    seen = []
    assert _records("성명,부서\n김민준,교통정책과\n", check_header=seen.append, header_only=True) == []
    assert seen == [["성명", "부서"]]
