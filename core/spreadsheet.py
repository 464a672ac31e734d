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
import posixpath
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from core.i18n import N_, MessageError

MB = 1024 * 1024
CHUNK = 64 * 1024
RATIO_CHECKED_FROM = MB     # entries smaller than this may compress as well as they like
Row = tuple[int, list[str]]

UNREADABLE_XLSX = N_("XLSX 파일을 열 수 없습니다. 손상되었거나 엑셀 파일이 아닙니다.")
ODD_COMPRESSION = N_("XLSX 파일이 비정상적으로 압축되어 있어 열지 않았습니다. 엑셀에서 다시 저장해 주세요.")
DTD_REFUSED = N_("XLSX 파일에 허용되지 않는 XML 선언(DOCTYPE·ENTITY)이 있습니다. "
                 "엑셀에서 다시 저장해 주세요.")
BAD_XML = N_("XLSX 파일의 내용(XML)이 올바르지 않습니다. 엑셀에서 다시 저장해 주세요.")
TOO_SLOW = N_("파일을 읽는 데 %(seconds)s초가 넘게 걸려 멈추었습니다. 파일을 나누어 올려 주세요.")


class SpreadsheetError(MessageError):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass(frozen=True)
class Limits:
    max_rows: int = 60_000
    max_unzipped: int = 50 * MB
    max_ratio: int = 200
    max_columns: int = 1_000
    seconds: float = 120.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **overrides: Any) -> Limits:
        """The limits of ``IMPORT_MAX_ROWS``, ``IMPORT_MAX_UNZIPPED_MB`` and ``IMPORT_TIME_LIMIT_SECONDS``."""
        values = {"max_rows": int(settings.get("IMPORT_MAX_ROWS") or cls.max_rows),
                  "max_unzipped": int(settings.get("IMPORT_MAX_UNZIPPED_MB") or cls.max_unzipped // MB) * MB,
                  "seconds": float(settings.get("IMPORT_TIME_LIMIT_SECONDS") or cls.seconds)}
        return cls(**{**values, **overrides})


@dataclass
class Table:
    header: list[str]                               # the first non-empty row, stripped, without a BOM
    header_row: int                                 # its row number in the file (1-based)
    rows: list[Row] = field(default_factory=list)   # (row number, cells) of every non-empty row after it


HeaderCheck = Callable[[list[str]], None]
Record = tuple[int, dict[str, str]]   # (row number, {header: cell})
EXTRA = "__extra__"                   # set in a record whose row has values beyond the header's columns


def _is_xlsx(data: bytes, filename: str = "") -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read(data: bytes, filename: str = "", limits: Limits | None = None, *,
         check_header: HeaderCheck | None = None, header_only: bool = False) -> Table:
    """Read ``data`` (a CSV or an XLSX, told apart by its first bytes or its name) into a :class:`Table`."""
    if not data:
        raise SpreadsheetError(N_("파일이 비어 있습니다."))
    collector = _Collector(limits or Limits(), check_header, header_only)
    try:
        if _is_xlsx(data, filename):
            _read_xlsx(data, collector)
        else:
            _read_csv(data, collector)
    except _Enough:
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


class _Enough(Exception):
    """Raised by the collector once the header is known in ``header_only`` mode: stop reading."""


class _Collector:
    """Receives rows in order, checks the header first and enforces the row, column and time limits."""

    def __init__(self, limits: Limits, check_header: HeaderCheck | None, header_only: bool) -> None:
        self.limits, self.check_header, self.header_only = limits, check_header, header_only
        self.deadline = time.monotonic() + limits.seconds
        self.table: Table | None = None

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SpreadsheetError(TOO_SLOW, seconds=int(self.limits.seconds))

    def columns(self, count: int) -> None:
        if count > self.limits.max_columns:
            raise SpreadsheetError(N_("열이 너무 많습니다 (최대 %(max)s열)."), max=f"{self.limits.max_columns:,}")

    def add(self, number: int, cells: list[str]) -> None:
        cells = [c.strip() for c in cells]
        if not any(cells):
            return
        if self.table is None:
            cells[0] = cells[0].lstrip("\ufeff").strip()
            self.table = Table(header=cells, header_row=number)
            if self.check_header is not None:
                self.check_header(cells)
            if self.header_only:
                raise _Enough
            return
        if len(self.table.rows) >= self.limits.max_rows:
            raise SpreadsheetError(N_("한 번에 %(max)s행까지 가져올 수 있습니다. 파일을 나누어 올려 주세요."),
                                   max=f"{self.limits.max_rows:,}")
        self.table.rows.append((number, cells))


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


def _read_csv(data: bytes, out: _Collector) -> None:
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


# --- XLSX ------------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, out: _Collector) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetError(UNREADABLE_XLSX) from exc
    _check_sizes(entries, out.limits)
    budget = _Budget(out.limits.max_unzipped)
    with archive:
        try:
            sheet, strings_name = _locate_sheet(archive, budget, out)
            strings = _SharedStrings(archive, strings_name, budget, out)
            _SheetReader(strings, out).run(_open(archive, sheet), budget)
        except MessageError:
            raise  # ours, or the importer's header check
        except (KeyError, IndexError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            # A part missing or damaged (bad CRC, truncated stream): the file is not a workbook we can read.
            raise SpreadsheetError(UNREADABLE_XLSX) from exc


def _check_sizes(entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_unzipped:
        raise SpreadsheetError(N_("XLSX 파일의 압축을 풀면 %(size)sMB로 너무 큽니다 (최대 %(max)sMB)."),
                               size=f"{total / MB:,.0f}", max=limits.max_unzipped // MB)
    for entry in entries:
        if entry.file_size >= RATIO_CHECKED_FROM and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise SpreadsheetError(ODD_COMPRESSION)


class _Budget:
    """The bytes really inflated, across every entry read: a zip's stated sizes may lie."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise SpreadsheetError(ODD_COMPRESSION)


def _open(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    return archive.open(name.lstrip("/"))


def _parser(start: Callable | None = None, end: Callable | None = None, text: Callable | None = None):
    """An expat parser that reports local names and refuses any DTD (so no entity is ever declared or expanded)."""
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args: Any) -> None:
        raise SpreadsheetError(DTD_REFUSED)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    if start:
        parser.StartElementHandler = lambda name, attrs: start(name.rsplit("}", 1)[-1], attrs)
    if end:
        parser.EndElementHandler = lambda name: end(name.rsplit("}", 1)[-1])
    if text:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    return parser


def _feed(parser, stream: IO[bytes], budget: _Budget, out: _Collector) -> None:
    """Parse ``stream`` chunk by chunk, counting the inflated bytes and the time."""
    with stream:
        while chunk := stream.read(CHUNK):
            budget.take(len(chunk))
            out.tick()
            _parse(parser, chunk, False)
        _parse(parser, b"", True)


def _parse(parser, chunk: bytes, final: bool) -> None:
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError as exc:
        raise SpreadsheetError(BAD_XML) from exc


def _attribute(attrs: dict[str, str], local: str) -> str | None:
    for key, value in attrs.items():
        if key.rsplit("}", 1)[-1] == local:
            return value
    return None


def _relationships(archive: zipfile.ZipFile, name: str, budget: _Budget, out: _Collector) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last part, target path inside the zip) of ``name``'s .rels part."""
    folder, base = posixpath.split(name)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    found: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", "").rsplit("/", 1)[-1], path)

    if rels_name.lstrip("/") in archive.NameToInfo:
        _feed(_parser(start=start), _open(archive, rels_name), budget, out)
    return found


def _locate_sheet(archive: zipfile.ZipFile, budget: _Budget, out: _Collector) -> tuple[str, str | None]:
    """The active sheet's part name and the shared strings' part name (if any)."""
    package = _relationships(archive, "", budget, out)
    workbook = next((path for kind, path in package.values() if kind == "officeDocument"), "xl/workbook.xml")
    sheets: list[str] = []
    active = [0]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "sheet":
            sheets.append(_attribute(attrs, "id") or "")
        elif tag == "workbookView" and (attrs.get("activeTab") or "0").isdigit():
            active[0] = int(attrs.get("activeTab") or 0)

    _feed(_parser(start=start), _open(archive, workbook), budget, out)
    parts = _relationships(archive, workbook, budget, out)
    if not sheets:
        raise SpreadsheetError(UNREADABLE_XLSX)
    rel = sheets[active[0]] if active[0] < len(sheets) else sheets[0]
    if rel not in parts:
        raise SpreadsheetError(UNREADABLE_XLSX)
    strings = next((path for kind, path in parts.values() if kind == "sharedStrings"), None)
    return parts[rel][1], strings


class _SharedStrings:
    """The shared-string table, parsed only as far as the cells read so far need (Excel writes the strings in
    the order they first appear, so the header needs only the first few)."""

    def __init__(self, archive: zipfile.ZipFile, name: str | None, budget: _Budget, out: _Collector) -> None:
        self.items: list[str] = []
        self.budget, self.out = budget, out
        self.stream = _open(archive, name) if name and name in archive.NameToInfo else None
        self.done = self.stream is None
        self._parts: list[str] = []
        self._depth_phonetic = 0
        self._in_text = False
        self.parser = _parser(start=self._start, end=self._end, text=self._text)

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "si":
            self._parts = []
        elif tag == "rPh":
            self._depth_phonetic += 1
        elif tag == "t" and not self._depth_phonetic:
            self._in_text = True

    def _end(self, tag: str) -> None:
        if tag == "si":
            self.items.append("".join(self._parts))
        elif tag == "rPh":
            self._depth_phonetic -= 1
        elif tag == "t":
            self._in_text = False

    def _text(self, data: str) -> None:
        if self._in_text:
            self._parts.append(data)

    def get(self, index: int) -> str:
        while index >= len(self.items) and not self.done:
            chunk = self.stream.read(CHUNK)
            if chunk:
                self.budget.take(len(chunk))
                self.out.tick()
            else:
                self.done = True
                self.stream.close()
            _parse(self.parser, chunk, not chunk)
        return self.items[index] if 0 <= index < len(self.items) else ""


def _column(ref: str | None) -> int | None:
    """0-based column of a cell reference such as ``C12``."""
    if not ref:
        return None
    number = 0
    for char in ref:
        if not "A" <= char <= "Z":
            break
        number = number * 26 + ord(char) - 64
    return number - 1 if number else None


def _number_text(value: str) -> str:
    try:
        return str(int(value))
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() and abs(number) < 1e16 else str(number)


class _SheetReader:
    """Streams ``<sheetData>``: rows and cells (shared, inline, formula, number, boolean and error values)."""

    def __init__(self, strings: _SharedStrings, out: _Collector) -> None:
        self.strings, self.out = strings, out
        self.row_number = 0
        self.cells: list[str] = []
        self.cell_type = ""
        self.column = 0
        self.text: list[str] | None = None
        self.value: list[str] = []
        self.phonetic = 0

    def run(self, stream: IO[bytes], budget: _Budget) -> None:
        _feed(_parser(start=self._start, end=self._end, text=self._chars), stream, budget, self.out)

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            number = attrs.get("r", "")
            self.row_number = int(number) if number.isdigit() and len(number) < 8 else self.row_number + 1
            self.cells = []
        elif tag == "c":
            column = _column(attrs.get("r"))
            self.column = len(self.cells) if column is None else column
            self.cell_type = attrs.get("t", "n")
            self.value = []
        elif tag in ("v", "t") and not self.phonetic:
            self.text = self.value
        elif tag == "rPh":
            self.phonetic += 1

    def _chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _end(self, tag: str) -> None:
        if tag in ("v", "t"):
            self.text = None
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "c":
            raw = "".join(self.value)
            if self.column >= self.out.limits.max_columns:
                if raw.strip():
                    self.out.columns(self.column + 1)
                return  # an empty cell far to the right (a formatted row) holds nothing
            self.cells.extend([""] * (self.column + 1 - len(self.cells)))
            self.cells[self.column] = self._cell(raw)
        elif tag == "row":
            self.out.add(self.row_number, self.cells)

    def _cell(self, raw: str) -> str:
        kind = self.cell_type
        if kind == "s":
            index = raw.strip()
            return self.strings.get(int(index)) if index.isdigit() and len(index) < 10 else ""
        if kind == "b":
            return "TRUE" if raw.strip() == "1" else "FALSE"
        if kind == "n" and raw:
            return _number_text(raw.strip())
        return raw
