"""Time helpers: the database stores UTC, people see Asia/Seoul."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")


def utcnow() -> datetime:
    """Timezone-aware now in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; treat them as the UTC they were stored in."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_kst(value: datetime) -> datetime:
    return as_utc(value).astimezone(KST)


def format_kst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else to_kst(value).strftime(fmt)


def kst_day_start(day: date) -> datetime:
    """The UTC instant at which the KST calendar day ``day`` begins (UTC, because SQLite drops the offset)."""
    return datetime(day.year, day.month, day.day, tzinfo=KST).astimezone(UTC)


def kst_dates_to_utc(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """KST dates ``first``..``last``, both inclusive, as UTC bounds ``[start, end)`` (None stays open)."""
    return (None if first is None else kst_day_start(first),
            None if last is None else kst_day_start(last + timedelta(days=1)))
