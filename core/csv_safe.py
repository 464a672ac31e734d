"""CSV for people who open it in Excel: UTF-8 with a BOM (so the Korean is read right) and cells that cannot
run as formulas (CSV injection). Every CSV export goes through here."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# A spreadsheet treats a cell starting with one of these as a formula (tab and CR too, after trimming).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """The cell as text, with a leading ' when it would start a formula (the ' makes it text)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """Rows (the header first) as UTF-8 CSV with a BOM, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return (BOM + out.getvalue()).encode("utf-8")
