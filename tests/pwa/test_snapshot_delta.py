"""GET /api/directory/snapshot?since=<version>: what changed since the copy a phone holds (core.offline_snapshot).

Every test checks the one thing that matters: the copy merged from a delta, the way
static/js/directory-offline.js merges it, equals a fresh full copy of the new version.
"""
import gzip
import json

import brotli
import pytest
from sqlalchemy import update

from core import app_settings, offline_snapshot
from core.models.organization import Department, Person
from extensions import db

URL = "/api/directory/snapshot"


def _get(client, url=URL, **headers):
    response = client.get(url, headers=headers)
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    elif response.headers.get("Content-Encoding") == "br":
        body = brotli.decompress(body)
    return response, (json.loads(body) if body else None)


def _full(client) -> dict:
    response, body = _get(client)
    assert response.status_code == 200 and body["mode"] == "full"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    return body


def _merge(copy: dict, delta: dict) -> dict:
    """What the phone does with a delta: whole entries replace or join by id, removed ids go."""
    assert delta["since"] == copy["version"] and delta["include_mobile"] == copy["include_mobile"]
    by_id = {e["id"]: e for e in copy["entries"]}
    for pid in delta["removed"]:
        del by_id[pid]           # a removal the copy did not hold would be a server bug: KeyError
    for entry in delta["changed"]:
        by_id[entry["id"]] = entry
    return {"version": delta["version"], "include_mobile": delta["include_mobile"], "count": delta["count"],
            "rules": delta.get("rules", copy["rules"]), "entries": list(by_id.values())}


def _same(merged: dict, full: dict) -> None:
    assert merged["version"] == full["version"]
    assert merged["include_mobile"] == full["include_mobile"] and merged["rules"] == full["rules"]
    assert merged["count"] == full["count"] == len(merged["entries"])
    assert {e["id"]: e for e in merged["entries"]} == {e["id"]: e for e in full["entries"]}


def _sync(client, copy: dict, expect: str = "delta") -> dict:
    """One sync as the phone makes it; the copy after it, checked against a fresh full copy."""
    response, body = _get(client, f"{URL}?since={copy['version']}", **{"If-None-Match": f'"{copy["version"]}"'})
    assert response.status_code == 200 and body["mode"] == expect, body
    assert response.headers["ETag"] == f'"{body["version"]}"' and body["version"] != copy["version"]
    merged = _merge(copy, body) if expect == "delta" else body
    _same(merged, _full(client))
    return merged


@pytest.fixture
def signed_in(client, make_user, login, directory, monkeypatch):
    # Pieces of four entries, so that every delta here cuts its entries out of several packed pieces.
    monkeypatch.setattr(offline_snapshot, "CHUNK_ENTRIES", 4)
    make_user("kim")
    login("kim")
    # Enough entries that a one-person edit is a small share of the copy.
    dept = db.session.scalars(db.select(Department).where(Department.name == "교통정책과")).one()
    db.session.add_all([Person(name=f"직원{i:02d}", department_id=dept.id, extension=str(7000 + i),
                               phone=f"+8231807570{i:02d}", mobile=f"+8210555570{i:02d}") for i in range(20)])
    db.session.commit()
    return client


def test_adds_edits_and_removals_reach_the_copy_as_a_delta(signed_in, directory):
    copy = _full(signed_in)
    directory["kim"].extension = "5199"
    db.session.add(Person(name="박새롬", extension="5301", phone="+823180755301"))
    db.session.delete(directory["lee"])
    db.session.commit()
    response, delta = _get(signed_in, f"{URL}?since={copy['version']}")
    assert delta["mode"] == "delta"
    assert {e["name"] for e in delta["changed"]} == {"김민준", "박새롬"}
    assert delta["removed"] == [directory_id(copy, "이서연")]
    assert "rules" not in delta      # no department changed: the copy's rules stand
    _same(_merge(copy, delta), _full(signed_in))
    # Much smaller than the copy it updates.
    assert len(response.get_data()) * 5 < len(json.dumps(copy, ensure_ascii=False).encode())


def directory_id(copy: dict, name: str) -> int:
    return next(e["id"] for e in copy["entries"] if e["name"] == name)


def test_successive_deltas_and_one_across_two_versions_give_the_same_copy(signed_in, directory):
    first = _full(signed_in)
    directory["kim"].title = "팀장"
    db.session.commit()
    second = _sync(signed_in, first)
    db.session.delete(directory["kim"])
    db.session.commit()
    third = _sync(signed_in, second)
    _, across = _get(signed_in, f"{URL}?since={first['version']}")
    assert across["mode"] == "delta"
    _same(_merge(first, across), third)


def test_an_edit_that_bypasses_the_orm_is_seen(signed_in):
    """Content, not timestamps, says what changed: a bulk UPDATE leaves updated_at alone."""
    copy = _full(signed_in)
    db.session.execute(update(Person).where(Person.name == "직원03").values(duty="민원 안내"),
                       execution_options={"synchronize_session": False})
    db.session.commit()
    merged = _sync(signed_in, copy)
    assert next(e for e in merged["entries"] if e["name"] == "직원03")["duty"] == "민원 안내"


def test_a_renamed_department_changes_its_people_and_the_rules(signed_in):
    copy = _full(signed_in)
    dept = db.session.scalars(db.select(Department).where(Department.name == "마두1동 행정복지센터")).one()
    dept.name = "마두2동 행정복지센터"
    db.session.commit()
    _, delta = _get(signed_in, f"{URL}?since={copy['version']}")
    assert delta["mode"] == "delta" and [e["name"] for e in delta["changed"]] == ["이서연"]
    assert "마두2동 행정복지센터" in [d["name"] for d in delta["rules"]["departments"]]
    _same(_merge(copy, delta), _full(signed_in))


def test_a_mobile_setting_change_sends_the_full_copy(signed_in):
    copy = _full(signed_in)
    app_settings.set(db.session, app_settings.OFFLINE_INCLUDE_MOBILE, False)
    db.session.commit()
    without = _sync(signed_in, copy, expect="full")
    assert all("mobile" not in e for e in without["entries"])
    app_settings.set(db.session, app_settings.OFFLINE_INCLUDE_MOBILE, True)
    db.session.commit()
    again = _sync(signed_in, without, expect="full")
    # Back to the first content: the same version, and a delta from the first copy is empty.
    assert again["version"] == copy["version"]


def test_when_most_entries_changed_the_full_copy_goes(signed_in):
    copy = _full(signed_in)
    db.session.execute(update(Person).values(duty="전 직원 교육"), execution_options={"synchronize_session": False})
    db.session.commit()
    _sync(signed_in, copy, expect="full")


@pytest.mark.parametrize("since", ["0" * 32, "../../secret", "ABCDEF", ""])
def test_an_unknown_or_malformed_version_gets_the_full_copy(signed_in, since):
    response, body = _get(signed_in, f"{URL}?since={since}")
    assert response.status_code == 200 and body["mode"] == "full" and body["count"] == 22


def test_a_pruned_version_gets_the_full_copy(signed_in, directory, monkeypatch):
    monkeypatch.setattr(offline_snapshot, "KEEP_MANIFESTS", 2)
    copy = _full(signed_in)
    for extension in ("5111", "5112"):
        directory["kim"].extension = extension
        db.session.commit()
        _full(signed_in)      # each version served once, so it has a manifest; the oldest is dropped
    _sync(signed_in, copy, expect="full")


def test_etag_and_304_stay_right_with_since(signed_in, directory):
    copy = _full(signed_in)
    etag = f'"{copy["version"]}"'
    unchanged = signed_in.get(f"{URL}?since={copy['version']}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and not unchanged.get_data()
    # Without If-None-Match, a client that is current gets an empty delta, not the copy again.
    _, empty = _get(signed_in, f"{URL}?since={copy['version']}")
    assert empty["mode"] == "delta" and empty["changed"] == [] and empty["removed"] == []
    directory["kim"].extension = "5199"
    db.session.commit()
    response, delta = _get(signed_in, f"{URL}?since={copy['version']}", **{"If-None-Match": etag})
    new_etag = f'"{delta["version"]}"'
    assert response.headers["ETag"] == new_etag != etag
    # The delta's ETag names the version it leads to: revalidating it answers 304 while that holds.
    again = signed_in.get(f"{URL}?since={copy['version']}", headers={"If-None-Match": new_etag})
    assert again.status_code == 304
    assert response.headers["Cache-Control"] == "private, no-cache" and "Accept-Encoding" in response.headers["Vary"]


def test_a_large_delta_is_gzipped(signed_in):
    copy = _full(signed_in)
    db.session.execute(update(Person).where(Person.name.in_([f"직원{i:02d}" for i in range(8)]))
                       .values(duty="교통안전시설 관리 및 불법 주정차 단속 민원 응대"),
                       execution_options={"synchronize_session": False})
    db.session.commit()
    response, delta = _get(signed_in, f"{URL}?since={copy['version']}", **{"Accept-Encoding": "gzip"})
    assert delta["mode"] == "delta" and len(delta["changed"]) == 8
    assert response.headers["Content-Encoding"] == "gzip"
    _same(_merge(copy, delta), _full(signed_in))


def test_brotli_when_the_client_takes_it_for_the_copy_and_a_delta(signed_in, directory):
    plain, copy = _get(signed_in)
    zipped, _ = _get(signed_in, **{"Accept-Encoding": "gzip"})
    small, same = _get(signed_in, **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert small.headers["Content-Encoding"] == "br" and same == copy
    assert len(small.get_data()) < len(zipped.get_data()) < len(plain.get_data())
    db.session.execute(update(Person).where(Person.name.in_([f"직원{n:02d}" for n in range(8)]))
                       .values(duty="교통안전시설 관리 및 민원 응대"), execution_options={"synchronize_session": False})
    db.session.commit()
    response, delta = _get(signed_in, f"{URL}?since={copy['version']}", **{"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br" and delta["mode"] == "delta"
    _same(_merge(copy, delta), _full(signed_in))


def test_manifest_of_a_version_lists_every_entry(app, directory):
    snapshot = offline_snapshot.build(db.session)
    folder = offline_snapshot.folder_for(app.config["INSTANCE_PATH"])
    offline_snapshot.remember(snapshot, folder)
    manifest = offline_snapshot.manifest(folder, snapshot.etag)
    assert manifest.include_mobile is True and manifest.rules_digest == snapshot.rules_digest
    entries = snapshot.entries()
    assert manifest.digests == {e["id"]: snapshot.digest(n) for n, e in enumerate(entries)}
    assert list(snapshot.ids) == [e["id"] for e in entries]
    # Each entry's JSON, cut out where ``ends`` says, is that entry; joined, they are the bytes json.dumps gives.
    parts = snapshot.parts(range(snapshot.count))
    assert [json.loads(part) for part in parts] == entries
    assert snapshot.entries_json() == json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode()


def test_every_phone_s_same_delta_is_computed_once(signed_in, monkeypatch):
    """After an edit every phone that held the previous version asks for the same delta."""
    copy = _full(signed_in)
    db.session.execute(update(Person).where(Person.name == "직원05").values(duty="불법 광고물 정비"),
                       execution_options={"synchronize_session": False})
    db.session.commit()
    computed = []
    real = offline_snapshot.delta_since
    monkeypatch.setattr(offline_snapshot, "delta_since", lambda *args: computed.append(args[1]) or real(*args))
    answers = [_get(signed_in, f"{URL}?since={copy['version']}", **{"Accept-Encoding": encoding})
               for encoding in ("br", "gzip", "identity", "br")]
    assert computed == [copy["version"]]
    assert all(body == answers[0][1] and body["mode"] == "delta" for _, body in answers)
