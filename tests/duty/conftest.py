"""Fixtures for the duty rosters: the sample directory imported, so that the sample roster finds its people."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.directory.importer import import_file as import_directory
from core.models.organization import Person
from extensions import db

SAMPLES = Path("/work/shared/samples")
DUTY_SAMPLE = SAMPLES / "duty-sample.csv"


@pytest.fixture
def directory(app) -> dict[str, Person]:
    """The sample directory, people by email."""
    import_directory(db.session, (SAMPLES / "directory-sample.csv").read_bytes(), "directory-sample.csv")
    db.session.commit()
    return {p.email: p for p in db.session.scalars(select(Person)) if p.email}
