"""Read and write the admin-editable settings stored in ``app_settings``.

Every known key has a default here, so a missing row simply means "never changed".
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.models.settings import AppSetting

# Whether the offline directory snapshot on staff phones carries mobile numbers.
OFFLINE_INCLUDE_MOBILE = "offline_directory.include_mobile"

DEFAULTS: dict[str, Any] = {
    OFFLINE_INCLUDE_MOBILE: True,
}


def get(session: Session, key: str) -> Any:
    """The stored value of ``key``, or its default."""
    row = session.get(AppSetting, key)
    return row.value if row is not None else DEFAULTS.get(key)


def set(session: Session, key: str, value: Any) -> None:
    """Store ``value`` under ``key``; the caller commits."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting: {key}")
    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value=value))
    else:
        row.value = value
