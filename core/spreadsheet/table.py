"""What the CSV and XLSX readers share: the :class:`Collector` they hand their rows to (the header check and
the row, column and time limits), the :class:`Table` it fills, and the one error type."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.i18n import N_, MessageError

MB = 1024 * 1024
Row = tuple[int, list[str]]

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


class Enough(Exception):
    """Raised by the collector once the header is known in ``header_only`` mode: stop reading."""


class Collector:
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
                raise Enough
            return
        if len(self.table.rows) >= self.limits.max_rows:
            raise SpreadsheetError(N_("한 번에 %(max)s행까지 가져올 수 있습니다. 파일을 나누어 올려 주세요."),
                                   max=f"{self.limits.max_rows:,}")
        self.table.rows.append((number, cells))
