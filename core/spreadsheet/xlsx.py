"""XLSX, read as a stream: the zip's sizes and ratios checked before any XML is parsed, the bytes really
inflated counted, every part parsed with expat and refused at the first DTD, shared strings read only as
far as the cells need them."""
from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable
from typing import IO, Any
from xml.parsers import expat

from core.i18n import N_, MessageError
from core.spreadsheet.table import MB, Collector, Limits, SpreadsheetError

CHUNK = 64 * 1024
RATIO_CHECKED_FROM = MB     # entries smaller than this may compress as well as they like

UNREADABLE_XLSX = N_("XLSX 파일을 열 수 없습니다. 손상되었거나 엑셀 파일이 아닙니다.")
ODD_COMPRESSION = N_("XLSX 파일이 비정상적으로 압축되어 있어 열지 않았습니다. 엑셀에서 다시 저장해 주세요.")
DTD_REFUSED = N_("XLSX 파일에 허용되지 않는 XML 선언(DOCTYPE·ENTITY)이 있습니다. "
                 "엑셀에서 다시 저장해 주세요.")
BAD_XML = N_("XLSX 파일의 내용(XML)이 올바르지 않습니다. 엑셀에서 다시 저장해 주세요.")


def read_xlsx(data: bytes, out: Collector) -> None:
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


def _feed(parser, stream: IO[bytes], budget: _Budget, out: Collector) -> None:
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


def _relationships(archive: zipfile.ZipFile, name: str, budget: _Budget, out: Collector) -> dict[str, tuple[str, str]]:
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


def _locate_sheet(archive: zipfile.ZipFile, budget: _Budget, out: Collector) -> tuple[str, str | None]:
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

    def __init__(self, archive: zipfile.ZipFile, name: str | None, budget: _Budget, out: Collector) -> None:
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

    def __init__(self, strings: _SharedStrings, out: Collector) -> None:
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
