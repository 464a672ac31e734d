"""A process builds the offline snapshot once per change of the directory, not once per phone that asks
(core.offline_snapshot.current): every kind of change still reaches the copy."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text, update

from core import app_settings, offline_snapshot
from core.models.organization import Department, Person
from core.timeutil import utcnow
from extensions import db

URL = "/api/directory/snapshot"


@pytest.fixture
def clock(monkeypatch):
    """The reuse window's clock, moved by the test."""
    now = [1000.0]
    monkeypatch.setattr(offline_snapshot, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def other_process(app):
    """A connection of its own to the same database, as another web process or the worker has."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def _duty(snapshot, name: str) -> str:
    return next(e["duty"] for e in snapshot.entries() if e["name"] == name)


def test_an_unchanged_directory_is_built_once_and_answers_304(app, client, make_user, login, directory, clock):
    make_user("kim")
    login("kim")
    first = offline_snapshot.current(db.session)
    clock[0] += offline_snapshot.REUSE_SECONDS - 1
    assert offline_snapshot.current(db.session) is first
    response = client.get(URL, headers={"If-None-Match": f'"{first.etag}"'})
    assert response.status_code == 304 and offline_snapshot.current(db.session) is first


def test_an_edit_in_this_process_is_in_the_next_copy(app, directory, clock):
    first = offline_snapshot.current(db.session)
    person = db.session.scalars(db.select(Person).where(Person.name == "이서연")).one()
    person.duty = "주민등록 발급"
    db.session.commit()
    assert _duty(offline_snapshot.current(db.session), "이서연") == "주민등록 발급" != _duty(first, "이서연")


def test_a_bulk_statement_in_this_process_without_updated_at_is_in_the_next_copy(app, directory, clock):
    offline_snapshot.current(db.session)
    db.session.execute(update(Person).where(Person.name == "이서연").values(duty="전입 신고"),
                       execution_options={"synchronize_session": False})
    db.session.commit()
    assert _duty(offline_snapshot.current(db.session), "이서연") == "전입 신고"


def test_another_process_s_edit_is_seen_through_the_stamp(app, directory, clock, other_process):
    offline_snapshot.current(db.session)
    with other_process.begin() as connection:
        connection.execute(update(Person).where(Person.name == "이서연")
                           .values(duty="인감 증명", updated_at=utcnow() + timedelta(seconds=1)))
    assert _duty(offline_snapshot.current(db.session), "이서연") == "인감 증명"


def test_sql_that_moves_no_stamp_is_seen_once_the_window_has_passed(app, directory, clock, other_process):
    first = offline_snapshot.current(db.session)
    with other_process.begin() as connection:
        connection.execute(text("UPDATE people SET duty = '가족관계 등록' WHERE name = '이서연'"))
    clock[0] += offline_snapshot.REUSE_SECONDS - 1
    assert offline_snapshot.current(db.session) is first          # within the window: the copy is reused
    clock[0] += 1
    assert _duty(offline_snapshot.current(db.session), "이서연") == "가족관계 등록"


def test_the_mobile_setting_is_in_the_next_copy(app, directory, clock):
    assert offline_snapshot.current(db.session).include_mobile
    app_settings.set(db.session, app_settings.OFFLINE_INCLUDE_MOBILE, False)
    db.session.commit()
    snapshot = offline_snapshot.current(db.session)
    assert not snapshot.include_mobile and all("mobile" not in e for e in snapshot.entries())


def test_an_import_that_only_moves_a_department_to_another_bureau_moves_the_stamp(app, directory):
    """No person changes, yet the bureau is a search key: every process must see it (core.directory.index)."""
    from core.directory.importer import import_file
    from core.directory.index import stamp_of

    header = "성명,소속기관,상위부서,부서,직위,직급,담당업무,내선,직통전화,휴대전화,이메일\n"
    row = ("김민준,고양특례시,{bureau},교통정책과,주무관,,불법 주정차 단속,5101,031-8075-1234,010-1234-5678,"
           "minjun@example.go.kr\n")
    import_file(db.session, (header + row.format(bureau="교통국")).encode(), "same.csv")
    db.session.commit()
    before = stamp_of(db.session)
    report = import_file(db.session, (header + row.format(bureau="스마트교통국")).encode(), "moved.csv")
    db.session.commit()
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    parent = db.session.scalars(db.select(Department.parent).where(Department.name == "교통정책과")).one()
    assert parent == "스마트교통국"
    assert stamp_of(db.session) != before


def test_an_empty_directory_is_an_empty_copy(app):
    snapshot = offline_snapshot.build(db.session)
    assert snapshot.count == 0 and snapshot.entries() == [] and snapshot.entries_json() == b"[]"


def test_a_kept_copy_holds_no_object_per_entry(app, directory):
    """What each process keeps (core.offline_snapshot.Snapshot): ids, offsets and digests in flat buffers and the
    entries' JSON compressed, so that at 50,000 entries it is a few MB (docs/pwa.md)."""
    snapshot = offline_snapshot.current(db.session)
    flat = (bytes, str, bool, type(None), type(snapshot.ids))
    assert all(isinstance(value, flat) for name, value in vars(snapshot).items() if name not in ("rules", "packed"))
    assert all(isinstance(piece, bytes) for piece in snapshot.packed)
    assert sum(map(len, snapshot.packed)) < len(snapshot.entries_json())


@pytest.mark.parametrize("entries", [5, 6, 7])   # a last piece that is short, full (then "]" alone), one over
def test_the_copy_is_packed_in_pieces_and_cut_out_of_them(app, monkeypatch, entries):
    monkeypatch.setattr(offline_snapshot, "CHUNK_ENTRIES", 3)
    dept = Department(organization="고양특례시", name="교통정책과", search_key="교통정책")
    db.session.add(dept)
    db.session.flush()
    db.session.add_all([Person(name=f"직원{i}", department_id=dept.id, extension=str(7000 + i))
                        for i in range(entries)])
    db.session.commit()
    snapshot = offline_snapshot.build(db.session)
    listed = snapshot.entries()
    assert len(snapshot.packed) == entries // 3 + 1
    assert [e["name"] for e in listed] == [f"직원{i}" for i in range(entries)]
    assert [json.loads(part) for part in snapshot.parts(range(entries))] == listed
    assert [json.loads(part) for part in snapshot.parts([entries - 1, 0])] == [listed[-1], listed[0]]
    assert snapshot.entries_json() == json.dumps(listed, ensure_ascii=False, separators=(",", ":")).encode()
