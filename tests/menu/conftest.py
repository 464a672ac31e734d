"""Fixtures for the cafeteria menus: the sample file, and a week imported from it (2027-01-04 to 01-08)."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.menu.importer import import_file
from extensions import db

SAMPLE = Path("/work/shared/samples/menu-sample.csv")
if not SAMPLE.exists():  # the repository's own copy, where the shared folder is not mounted
    SAMPLE = Path(__file__).resolve().parent / "menu-sample.csv"


@pytest.fixture
def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture
def sample_week(app, sample_bytes):
    with app.app_context():
        report = import_file(db.session, sample_bytes, "menu-sample.csv")
        db.session.commit()
    return report
