"""The one reader for the spreadsheets people upload: CSV (UTF-8, with or without a BOM, or CP949; comma or tab)
and XLSX. Every importer (directory, duty rosters, menus, lettering lines) reads through it.

Nothing in a file can make it run long or use much memory, and every problem is a :class:`SpreadsheetError`
with a Korean message:

- an XLSX is checked before anything is parsed: the sum of its entries' uncompressed sizes (the zip's own
  directory) against ``Limits.max_unzipped`` and each large entry's compression ratio against ``max_ratio``; the
  bytes really inflated are counted too, so a zip that lies about its sizes stops at the same limit;
- the XML is parsed as a stream (expat) and refused at the first DOCTYPE or ENTITY declaration, so nothing is
  ever expanded; malformed XML is an error like any other;
- the header row (the first non-empty one) is handed to ``check_header`` before any further row is read, and
  ``header_only=True`` stops there: what a web request does before it queues the import for the worker;
- at most ``Limits.max_rows`` data rows (non-empty rows after the header) and ``max_columns`` columns;
- the whole read stops after ``Limits.seconds``.

Cells are text, stripped. A number Excel stored for ``0318075...`` comes back as its digits (``318075...``;
the importers put the zero back); dates are not converted (no column of ours holds one).
"""
from __future__ import annotations

import csv
import io

from core.i18n import N_, MessageError
from core.spreadsheet.table import EXTRA, Collector, Enough, HeaderCheck, Limits, Record, Row, SpreadsheetError, Table
from core.spreadsheet.xlsx import read_xlsx

__all__ = ["EXTRA", "HeaderCheck", "Limits", "Record", "Row", "SpreadsheetError", "Table", "read", "read_records"]


def _is_xlsx(data: bytes, filename: str = "") -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read(data: bytes, filename: str = "", limits: Limits | None = None, *,
         check_header: HeaderCheck | None = None, header_only: bool = False) -> Table:
    """Read ``data`` (a CSV or an XLSX, told apart by its first bytes or its name) into a :class:`Table`."""
    if not data:
        raise SpreadsheetError(N_("파일이 비어 있습니다."))
    collector = Collector(limits or Limits(), check_header, header_only)
    try:
        if _is_xlsx(data, filename):
            read_xlsx(data, collector)
        else:
            _read_csv(data, collector)
    except Enough:
        pass
    if collector.table is None:
        raise SpreadsheetError(N_("파일에 데이터가 없습니다."))
    return collector.table


def read_records(data: bytes, filename: str, limits: Limits, *, error: type[MessageError],
                 check_header: HeaderCheck | None = None, header_only: bool = False) -> list[Record]:
    """An importer's rows as ``(row number, {header: cell})``, its problems raised as its own ``error``.

    A cell under no header is kept out of the record, but a row that has any such value is marked with
    :data:`EXTRA` (an unquoted comma in a CSV value), for the importer to reject or ignore. A file with a header
    and no data row is an error; ``header_only`` returns no row."""
    try:
        table = read(data, filename, limits, check_header=check_header, header_only=header_only)
    except SpreadsheetError as exc:
        raise error.from_detail(exc.detail) from exc
    if header_only:
        return []
    if not table.rows:
        raise error(N_("머리글만 있고 데이터 행이 없습니다."))
    header, out = table.header, []
    for number, cells in table.rows:
        record = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
        if len(cells) > len(header) and any(cells[len(header):]):
            record[EXTRA] = "1"
        out.append((number, record))
    return out


# --- CSV -------------------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    for encoding in ("utf-8", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(
        N_("파일의 문자 인코딩을 읽을 수 없습니다. UTF-8 또는 CP949(EUC-KR) CSV나 XLSX로 저장해 주세요."))


def _read_csv(data: bytes, out: Collector) -> None:
    text = _decode(data)
    if "\x00" in text:
        raise SpreadsheetError(N_("CSV 파일이 아닙니다. UTF-8 또는 CP949 CSV나 XLSX 파일을 올려 주세요."))
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            if number % 256 == 0:
                out.tick()
            out.columns(len(cells))
            out.add(number, cells)
    except csv.Error as exc:
        raise SpreadsheetError(N_("CSV 형식이 올바르지 않습니다: %(detail)s"), detail=str(exc)) from exc


