"""0014_groups on a database that already has document shares: they keep working, unchanged."""
import os
from datetime import UTC

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from core.documents.sharing import shared_documents
from extensions import db
from tests.conftest import ROOT, _ensure_pg_database, _with_driver


@pytest.fixture
def old_database(tmp_path, app_config):
    """A fresh database at 0013_board_push (before this migration), in its own file or PostgreSQL database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = _with_driver(url)
        url = str(sa.engine.make_url(url).set(database=sa.engine.make_url(url).database + "_mig"))
        _ensure_pg_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    config = {**app_config, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)}
    old = create_app(config)
    with old.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="0013_board_push")
        yield old
        db.session.remove()
        db.engine.dispose()


def test_existing_shares_are_carried_over(old_database):
    rows = {
        "departments": [{"id": 1, "organization": "고양특례시", "name": "교통정책과", "search_key": "교통정책"}],
        "users": [{"id": u, "username": name, "password_hash": "x", "role": "staff", "is_active": True,
                   "department_id": dept} for u, name, dept in ((1, "kim", 1), (2, "lee", None), (3, "park", None))],
        "staff_groups": [{"id": 1, "name": "1조", "description": ""}],
        "staff_group_members": [{"id": 1, "group_id": 1, "user_id": 2}],
        "documents": [{"id": d, "title": t, "original_type": "pdf", "sha256": "0" * 64, "status": "ready"}
                      for d, t in ((1, "모두"), (2, "교통"), (3, "1조"))],
        "document_shares": [{"id": 1, "document_id": 1, "scope": "all"},
                            {"id": 2, "document_id": 2, "scope": "department", "department_id": 1},
                            {"id": 3, "document_id": 3, "scope": "group", "group_id": 1}],
    }
    with db.engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn, only=list(rows))
        for name, values in rows.items():
            table = meta.tables[name]
            defaults = _defaults(table)
            for value in values:     # one by one: an executemany takes its columns from the first row
                conn.execute(table.insert().values(**{**defaults, **value}))
        before = conn.execute(sa.text("SELECT id, document_id, scope, department_id, group_id, created_at "
                                      "FROM document_shares ORDER BY id")).all()
    upgrade(directory=str(ROOT / "migrations"), revision="0014_groups")
    with db.engine.connect() as conn:
        after = conn.execute(sa.text("SELECT id, document_id, scope, department_id, group_id, created_at, user_id "
                                     "FROM document_shares ORDER BY id")).all()
        assert [tuple(r[:6]) for r in after] == [tuple(r) for r in before]
        assert all(r.user_id is None for r in after) and after[1].department_id == 1 and after[2].group_id == 1
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("document_shares")}
        assert "ix_document_shares_user_id" in indexes
        foreign = [fk for fk in sa.inspect(conn).get_foreign_keys("document_shares") if fk["referred_table"] == "users"]
        assert foreign and foreign[0]["constrained_columns"] == ["user_id"]
    # Today's models read the shares once the later migrations have run too (they add columns the models map).
    upgrade(directory=str(ROOT / "migrations"), revision="heads")
    from core.models.accounts import User

    def titles(user_id):
        user = db.session.get(User, user_id)
        return sorted(d.title for d in db.session.scalars(shared_documents(user)))
    assert titles(1) == ["교통", "모두"] and titles(2) == ["1조", "모두"] and titles(3) == ["모두"]
    db.session.execute(sa.text("INSERT INTO document_shares (id, document_id, scope, user_id, created_at) "
                               "VALUES (4, 2, 'user', 3, CURRENT_TIMESTAMP)"))   # ids set above: no sequence moved
    db.session.commit()
    assert titles(3) == ["교통", "모두"]


def _defaults(table: sa.Table) -> dict:
    """Values for the NOT NULL columns a row above leaves out (their models' Python-side defaults)."""
    from datetime import datetime

    values = {}
    for column in table.columns:
        if column.nullable or column.primary_key or column.server_default is not None:
            continue
        if isinstance(column.type, sa.DateTime):
            values[column.name] = datetime(2026, 11, 1, tzinfo=UTC)
        elif isinstance(column.type, sa.Boolean):
            values[column.name] = False
        elif isinstance(column.type, (sa.Integer, sa.BigInteger)):
            values[column.name] = 0
        elif isinstance(column.type, sa.JSON):
            values[column.name] = {}
        else:
            values[column.name] = ""
    return values
