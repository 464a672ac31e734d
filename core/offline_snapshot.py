"""The directory snapshot that staff phones keep for offline search.

The page script downloads it, stores it in IndexedDB and searches it locally when
the network is gone. It carries only what the result list shows, plus the name's
Hangul initials so the phone need not decompose 5,000 names on every start, and the
reading rules as data (``rules``: the word lists of core.directory.query, every
department's keys, the voice dialling thresholds) so that the phone's matcher does not
keep a second copy of them.

A phone that holds a copy asks for what changed since its version (``delta_since``): the entries added or
changed and the ids removed, instead of the whole copy. The server knows what a version held from its
manifest, written the first time the version is served (``remember``): every entry's id and a digest of the
entry's JSON, in a file under ``instance/offline-snapshot/`` named by the version. A delta is therefore
computed from content, never from timestamps: an edit made by any path (the console, an import, a renamed
department, a bulk SQL update) changes a digest, and a merged copy equals the full copy of the new
version. When the manifest is missing (an unknown or pruned version, another host's instance folder), the
mobile setting changed, or most of the copy changed, the answer is the full copy.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import struct
import threading
import time
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import app_settings
from core.allocator import give_back_memory
from core.directory.index import local_changes, stamp_of
from core.directory.query import word_lists
from core.directory.voice import CALL_MARGIN, CALL_MIN_SCORE, CANDIDATES
from core.hangul import department_keys, initials, strip_department_suffix
from core.models.organization import Department, Person
from core.phone import format_korean


def display_phone(e164: str) -> str:
    """``+823180751234`` → ``031-8075-1234``, as ``core.phone.format_korean`` writes it.

    The common Korean shapes are formatted directly: parsing 10,000 numbers with
    phonenumbers would make every snapshot take half a second. Anything else goes
    through ``format_korean``.
    """
    if not e164.startswith("+82") or not e164[1:].isdigit():
        return format_korean(e164)
    national = "0" + e164[3:]
    if national.startswith("02"):
        area, lengths = 2, (7, 8)
    elif national[1] in "3456" and national[2] in "123456789":
        area, lengths = 3, (7, 8)   # 031 … 064: the provinces' area codes
    elif national.startswith("010"):
        area, lengths = 3, (8,)
    else:
        return format_korean(e164)
    rest = national[area:]
    if len(rest) not in lengths:
        return format_korean(e164)
    return f"{national[:area]}-{rest[:-4]}-{rest[-4:]}"


# A delta is worth it while it is well below the full copy: past this share of entries changed, send the copy.
DELTA_MAX_SHARE = 0.5
KEEP_MANIFESTS = 32      # versions a phone may still hold; older ones get the full copy
DIGEST_BYTES = 8         # per entry: 2**-64 for two different entries to look alike
_VERSION = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Snapshot:
    """One version of the copy, as each process keeps its last one (``current``): at 50,000 entries about 11 MB
    (flat ids, offsets and digests, 3 MB of packed JSON, the rules) rather than the 119 MB of a dict per entry."""

    include_mobile: bool
    etag: str
    ids: array                  # the entries' ids, in the copy's order
    ends: array                 # where each entry's JSON ends in the entries' JSON ("[" parts joined by "," "]")
    digests: bytes              # DIGEST_BYTES per entry, in the same order: what a delta compares
    # The entries' JSON in zlib pieces (level 1) of CHUNK_ENTRIES entries each: 16 MB is 3 MB at 50,000, and a
    # delta unpacks only the pieces holding what changed.
    packed: tuple[bytes, ...] = ()
    rules: dict | None = None
    rules_digest: str = ""

    @property
    def version(self) -> str:
        return self.etag

    @property
    def count(self) -> int:
        return len(self.ids)

    def entries_json(self) -> bytes:
        return b"".join(map(zlib.decompress, self.packed))

    def entries(self) -> list[dict]:
        return json.loads(self.entries_json())

    def parts(self, numbers: Iterable[int]) -> list[bytes]:
        """The JSON of the entries at ``numbers`` (0-based, in the copy's order), each piece unpacked once."""
        ends, pieces, out = self.ends, {}, []
        for n in numbers:
            chunk = n // CHUNK_ENTRIES
            if chunk not in pieces:
                pieces[chunk] = zlib.decompress(self.packed[chunk])
            base = ends[chunk * CHUNK_ENTRIES - 1] if chunk else 0   # where the piece starts in the whole JSON
            start = (ends[n - 1] if n else 0) + 1                    # past the "[" or "," before the entry
            out.append(pieces[chunk][start - base:ends[n] - base])
        return out

    def digest(self, number: int) -> bytes:
        return self.digests[number * DIGEST_BYTES:(number + 1) * DIGEST_BYTES]

    def _head(self, generated_at: datetime, mode: str, **extra) -> bytes:
        head = json.dumps({"mode": mode, "generated_at": generated_at.isoformat(timespec="seconds"),
                           "version": self.etag, "include_mobile": self.include_mobile,
                           "count": self.count, **extra}, ensure_ascii=False, separators=(",", ":"))
        return head[:-1].encode()

    def to_json(self, generated_at: datetime) -> bytes:
        """The full copy: ``mode`` "full", the client replaces what it holds."""
        return self._head(generated_at, "full", rules=self.rules) + b',"entries":' + self.entries_json() + b"}"

    def delta_json(self, delta: Delta, generated_at: datetime) -> bytes:
        """``mode`` "delta": merge ``changed`` (whole entries, by id) and drop ``removed`` into the copy of
        version ``since``. ``rules`` is there only when they changed; otherwise the copy's stand."""
        extra: dict = {"since": delta.since, "removed": delta.removed}
        if delta.rules_changed:
            extra["rules"] = self.rules
        return self._head(generated_at, "delta", **extra) + b',"changed":[' + b",".join(delta.changed) + b"]}"


@dataclass(frozen=True)
class Delta:
    since: str
    changed: list[bytes]   # the entries' JSON, as in the full copy
    removed: list[int]
    rules_changed: bool


# Building the copy reads and serialises every entry (0.15-0.4 s at 5,300, seconds at 50,000), and every phone
# that opens the app asks, mostly to hear 304. A process reuses its last copy while the directory's stamp, its
# own directory commits and the mobile setting stay the same, for at most REUSE_SECONDS: an edit that moves
# neither (SQL run on the database by hand, without updated_at) is still served within a minute.
REUSE_SECONDS = 60.0


@dataclass
class _Kept:
    lock: threading.Lock = field(default_factory=threading.Lock)
    key: tuple | None = None
    built_at: float = 0.0
    snapshot: Snapshot | None = None


_kept: weakref.WeakKeyDictionary[Engine, _Kept] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()
monotonic: Callable[[], float] = time.monotonic   # the reuse window's clock (tests set it)


def current(session: Session) -> Snapshot:
    """The snapshot of the directory as it is now: this process's last one while nothing has changed."""
    include_mobile = bool(app_settings.get(session, app_settings.OFFLINE_INCLUDE_MOBILE))
    key = (local_changes(), stamp_of(session), include_mobile)
    with _kept_lock:
        kept = _kept.setdefault(session.get_bind(), _Kept())
    with kept.lock:   # one build at a time: the phones that ask meanwhile wait for it instead of building too
        if kept.snapshot is None or kept.key != key or monotonic() - kept.built_at >= REUSE_SECONDS:
            kept.snapshot = None   # the previous one goes before the next is built, not after
            kept.snapshot, kept.key, kept.built_at = build(session, include_mobile), key, monotonic()
            give_back_memory()   # the rows and pieces of the build, held by glibc otherwise (20 MB at 50,000)
        return kept.snapshot


BUILD_BATCH = 2000     # rows read at a time: the copy is built without holding every row at once
CHUNK_ENTRIES = 1024   # entries to a packed piece (about 330 KB of JSON)


def build(session: Session, include_mobile: bool | None = None) -> Snapshot:
    """Every directory entry in the fields offline search needs; mobiles only if the admin allows."""
    if include_mobile is None:
        include_mobile = bool(app_settings.get(session, app_settings.OFFLINE_INCLUDE_MOBILE))
    rows = session.execute(
        select(Person.id, Person.kind, Person.name, Person.title, Person.duty, Person.extension, Person.phone,
               Person.mobile, Person.email, Department.organization, Department.name, Department.search_key)
        .outerjoin(Department, Person.department_id == Department.id)
        .order_by(Person.name, Person.id),
        execution_options={"yield_per": BUILD_BATCH})
    # The entries' JSON is hashed and compressed as it is written, never held whole (16 MB at 50,000): the same
    # bytes as dumping the list at once (separators ",").
    content = hashlib.sha256(b"%d:" % include_mobile)
    packed: list[bytes] = []
    piece: list[bytes] = []
    ids, ends, digests, end = array("q"), array("Q"), [], 0

    def write(chunk: bytes) -> None:
        content.update(chunk)
        piece.append(chunk)

    def pack() -> None:
        packed.append(zlib.compress(b"".join(piece), 1))
        piece.clear()

    for (pid, kind, name, title, duty, extension, phone, mobile, email,
         organization, department, dept_key) in rows:
        entry = {"id": pid, "kind": kind, "name": name, "initials": initials(name),
                 "organization": organization or "", "department": department or "",
                 "dept_key": dept_key or strip_department_suffix(department or ""),
                 "title": title, "duty": duty, "extension": extension,
                 "phone": display_phone(phone), "email": email or ""}
        if include_mobile:
            entry["mobile"] = display_phone(mobile)
        part = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
        write((b"," if ids else b"[") + part)
        digests.append(hashlib.blake2b(part, digest_size=DIGEST_BYTES).digest())
        end += 1 + len(part)
        ids.append(pid)
        ends.append(end)
        if len(ids) % CHUNK_ENTRIES == 0:
            pack()
    write(b"]" if ids else b"[]")   # the last piece ends with it (it is that piece alone after a full one)
    pack()
    rules = reading_rules(session)
    rules_json = json.dumps(rules, ensure_ascii=False, sort_keys=True).encode()
    # The ETag depends on the content only, so an unchanged directory (and unchanged rules) answers 304.
    content.update(rules_json)
    return Snapshot(include_mobile=include_mobile, etag=content.hexdigest()[:32], ids=ids, ends=ends,
                    digests=b"".join(digests), packed=tuple(packed), rules=rules,
                    rules_digest=hashlib.sha256(rules_json).hexdigest()[:32])


def reading_rules(session: Session) -> dict:
    """What the phone's matcher reads requests with: the shared word lists and every department's keys."""
    departments = [{"organization": org or "", "name": name, "keys": department_keys(name, org or "")}
                   for name, org in session.execute(select(Department.name, Department.organization)
                                                    .order_by(Department.id))]
    return {"words": word_lists(), "departments": departments,
            "voice": {"call_min_score": CALL_MIN_SCORE, "call_margin": CALL_MARGIN, "candidates": CANDIDATES}}


# --- Deltas: what a version held, kept as a manifest file per version --------------------------------------

def folder_for(instance_path: str | os.PathLike) -> Path:
    return Path(instance_path) / "offline-snapshot"


def _path(folder: Path, version: str) -> Path:
    return folder / f"{version}.manifest"


@dataclass(frozen=True)
class Manifest:
    include_mobile: bool
    rules_digest: str
    digests: dict[int, bytes]   # entry id -> digest of its JSON


def remember(snapshot: Snapshot, folder: Path) -> None:
    """Write the manifest of ``snapshot``'s version unless it is there, and keep the newest ``KEEP_MANIFESTS``.

    The file is named by the version, a hash of the content, so two processes writing it at once write the
    same bytes; it is written aside and renamed into place, so a reader never sees half of one.
    """
    path = _path(folder, snapshot.etag)
    if path.exists():
        return
    header = json.dumps({"include_mobile": snapshot.include_mobile, "rules": snapshot.rules_digest,
                         "count": snapshot.count}).encode() + b"\n"
    ids = struct.pack(f"<{snapshot.count}q", *snapshot.ids)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f".{path.name}.{secrets.token_hex(4)}"
    scratch.write_bytes(header + ids + snapshot.digests)
    os.replace(scratch, path)
    manifests = sorted(folder.glob("*.manifest"), key=_mtime, reverse=True)
    for old in manifests[KEEP_MANIFESTS:]:
        old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:   # pruned by another process meanwhile
        return 0.0


def manifest(folder: Path, version: str) -> Manifest | None:
    """What version ``version`` held, or None when it is not a version this host has served (or kept)."""
    if not _VERSION.fullmatch(version):
        return None   # also keeps anything but a hex name out of the path
    try:
        data = _path(folder, version).read_bytes()
        line, rest = data.split(b"\n", 1)
        header = json.loads(line)
        count = int(header["count"])
        ids = struct.unpack(f"<{count}q", rest[:8 * count])
        blob = rest[8 * count:]
        if len(blob) != count * DIGEST_BYTES:
            return None
    except (OSError, ValueError, KeyError, struct.error):
        return None   # missing, pruned or torn: the full copy is always right
    return Manifest(include_mobile=bool(header["include_mobile"]), rules_digest=str(header["rules"]),
                    digests={pid: blob[n * DIGEST_BYTES:(n + 1) * DIGEST_BYTES] for n, pid in enumerate(ids)})


def delta_since(snapshot: Snapshot, since: str, folder: Path) -> Delta | None:
    """What turns the copy of version ``since`` into ``snapshot``; None when the full copy must go instead:
    an unknown version, another mobile setting, or more than ``DELTA_MAX_SHARE`` of the entries changed."""
    if since == snapshot.etag:
        return Delta(since=since, changed=[], removed=[], rules_changed=False)
    old = manifest(folder, since)
    if old is None or old.include_mobile != snapshot.include_mobile:
        return None
    changed = [n for n, pid in enumerate(snapshot.ids) if old.digests.get(pid) != snapshot.digest(n)]
    current = set(snapshot.ids)
    removed = sorted(pid for pid in old.digests if pid not in current)
    if len(changed) + len(removed) > DELTA_MAX_SHARE * max(snapshot.count, 1):
        return None
    parts = snapshot.parts(changed)
    return Delta(since=since, changed=parts, removed=removed, rules_changed=old.rules_digest != snapshot.rules_digest)
