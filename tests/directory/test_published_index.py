"""A large directory's index is built by the worker and loaded by web processes, never built in front of a
search (core.directory.published): the previous index serves until the new file exists."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from core.directory import index, published
from core.directory.importer import import_file, import_task
from core.directory.search import search
from core.jobs.registry import Env, load_areas
from core.models.jobs import Job
from core.tasks import TaskInput
from extensions import db
from tests.directory.conftest import HEADER


def _row(name: str, extension: str) -> str:
    return (f"{name},고양특례시,교통국,교통정책과,주무관,,,{extension},031-8075-{extension},,"
            f"{extension}@example.go.kr,직원")


def _import(*rows: str) -> None:
    report = import_file(db.session, ("\n".join([HEADER, *rows]) + "\n").encode(), "more.csv")
    db.session.commit()
    assert report.added == len(rows)


def _names(query: str) -> list[str]:
    return [entry.name for entry, _score in search(index.get_index(db.session), query, 20)]


def _fresh() -> None:
    """Let the next get_index look again at once (the stamp is re-read at most once a CHECK_SECONDS)."""
    index._holder(db.engine).checked_at = 0.0


@pytest.fixture
def large(monkeypatch):
    """Make the 49-person test directory count as large, so that no web process may build it."""
    monkeypatch.setattr(index, "SYNC_BUILD_MAX_ENTRIES", 10)


def test_a_small_directory_is_rebuilt_in_place_after_a_change(app, directory):
    before = index.holder_counts(db.engine)["builds"]
    assert _names("홍두께") == []
    _import(_row("홍두께", "7001"))
    assert _names("홍두께") == ["홍두께"]
    assert index.holder_counts(db.engine)["builds"] == before + 2


def test_a_large_directory_serves_the_previous_index_until_the_worker_publishes(app, directory, large):
    folder = published.folder_for(app.config)
    assert published.publish(db.session, folder) is not None
    assert _names("김민준")                                   # the first index: loaded, not built
    counts = index.holder_counts(db.engine)
    assert counts["loads"] == 1 and counts["builds"] == 0

    _import(_row("홍두께", "7002"))
    _fresh()
    assert _names("홍두께") == []                             # still the previous index: nobody waited
    assert index.holder_counts(db.engine)["builds"] == 0

    published.publish(db.session, folder)                     # the worker's directory.index job
    _fresh()
    assert _names("김민준")                                   # answered at once, while a thread loads the file
    index.wait_for_loader(db.engine)
    _fresh()
    assert _names("홍두께") == ["홍두께"]
    counts = index.holder_counts(db.engine)
    assert counts == {"builds": 0, "loads": 2, "entries": 50}
    assert len(list(folder.glob("index-*.pickle"))) == published.KEEP_FILES


def test_publishing_twice_for_the_same_stamp_writes_once(app, directory):
    folder = published.folder_for(app.config)
    assert published.publish(db.session, folder) is not None
    assert published.publish(db.session, folder) is None


def test_a_process_with_no_index_takes_an_older_file_rather_than_building(app, directory, large):
    folder = published.folder_for(app.config)
    published.publish(db.session, folder)
    _import(_row("홍두께", "7003"))        # the file is now one stamp behind
    index._holders.pop(db.engine, None)    # a web process that has just started
    index.use_published(db.engine, folder)
    assert _names("김민준") and _names("홍두께") == []
    assert index.holder_counts(db.engine)["builds"] == 0


def test_with_no_file_at_all_a_large_directory_is_built_once(app, directory, large):
    index._holders.pop(db.engine, None)
    index.use_published(db.engine, published.folder_for(app.config))
    assert _names("김민준")
    assert index.holder_counts(db.engine)["builds"] == 1


def test_an_unreadable_file_is_no_index(app, directory, large):
    folder = published.folder_for(app.config)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = index.stamp_of(db.session)
    published.path_for(folder, stamp).write_bytes(b"not a pickle")
    assert published.load(published.path_for(folder, stamp)) is None
    index._holders.pop(db.engine, None)
    index.use_published(db.engine, folder)
    assert _names("김민준")                 # nothing good to load: built, as with no file
    assert index.holder_counts(db.engine)["builds"] == 1


def test_the_worker_publishes_on_schedule_and_after_an_import(app, directory, job_worker, large):
    registry = load_areas()
    assert registry.get(published.KIND) is not None
    assert any(s.kind == published.KIND and s.every == published.EVERY_SECONDS for s in registry.schedules)
    folder = published.folder_for(app.config)
    path = published.path_for(folder, index.stamp_of(db.session))
    db.session.rollback()
    for _ in range(300):
        if path.exists():
            break
        time.sleep(0.05)
    assert path.exists(), "the worker published no index"


def test_the_import_task_asks_for_a_new_index_at_once(app):
    csv = ("\n".join([HEADER, _row("홍두께", "7004")]) + "\n").encode()
    import_task(db.session, lambda done, total: None,
                TaskInput(payload={"filename": "a.csv"}, upload=csv, settings=app.config))
    db.session.commit()
    assert db.session.scalar(select(Job).where(Job.kind == published.KIND)) is not None


def test_a_second_pass_while_one_builds_does_nothing(app, directory):
    env = Env(factory=sessionmaker(db.engine), settings=app.config)
    folder = published.folder_for(app.config)
    with published._building:                   # a pass of this worker is building (50,000 take ~15 s)
        published.publish_job(env, {})
    assert not list(folder.glob("index-*.pickle"))
    published.publish_job(env, {})
    assert len(list(folder.glob("index-*.pickle"))) == 1
